"""The Python front end: a Pulumi dynamic resource (``ServiceNotifications``) and its provider."""
