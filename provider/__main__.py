"""Plugin entry point: the Python language host runs ``python <this directory> <engine address>``.

The package is imported from this directory itself (it is not installed in the plugin's virtualenv,
which holds only requirements.txt); Python puts the directory first on ``sys.path`` when it runs it,
and the insert below also covers ``python provider/__main__.py``.
"""

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from pulumi_twilio_conversations.native.provider import serve  # noqa: E402

if __name__ == "__main__":
    serve(sys.argv[1:])
