import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BEFORE = ROOT / "fixtures" / "before"
AFTER = ROOT / "fixtures" / "after"
sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture
def runner():
    """The command line through click's runner (stdout and stderr apart)."""
    from click.testing import CliRunner

    return CliRunner()
