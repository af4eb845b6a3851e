"""The core both front ends share: input models, validation, the wire mapping to Twilio, templates,
configuration and endpoints, the HTTP client and its transport, and what each operation does."""
