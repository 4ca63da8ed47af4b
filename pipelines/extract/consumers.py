"""The consumers an extract pack is written for, by the names the CLI and the assets use."""

ODB = "ODB"
COMMUNITY_PLANNING = "community-planning"
