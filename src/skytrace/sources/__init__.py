"""sources: the only code that reads sockets and files on the way in; yields FrameBatch."""
