import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BEFORE = ROOT / "fixtures" / "before"
AFTER = ROOT / "fixtures" / "after"
sys.path.insert(0, str(Path(__file__).resolve().parent))
