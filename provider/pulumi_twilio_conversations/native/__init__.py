"""The front end for every Pulumi language: a native provider plugin and its package schema."""
