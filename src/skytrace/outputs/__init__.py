"""outputs: Beast/AVR/SBS re-broadcast, aircraft.json and exports for other tools."""
