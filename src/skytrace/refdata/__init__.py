"""refdata: airports, runways, aircraft, operators, address blocks, areas; loaders, importers."""
