"""flights: pure segmentation of tracks into flights, takeoff/landing, airports, facts."""
