"""refdata: airports, runways, aircraft, operators, address blocks and areas; loaders and importers."""
