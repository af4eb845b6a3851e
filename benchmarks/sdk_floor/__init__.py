"""The SDK floor: the least a provider plugin on ``pulumi.provider.experimental`` can do (see __main__)."""
