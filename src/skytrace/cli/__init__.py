"""cli: the ``skytrace`` command; one small module per command, dispatched by cli.main."""
