"""The README's pre-commit snippets, run for real: `pre-commit install` and `git commit` in scratch repositories.

The snippets are read out of the README's `## pre-commit` section, so that README and test cannot drift; only
the GitHub URL and the `<commit>` placeholder are replaced, by a scratch git repository made from this working
tree and its commit. pre-commit installs the hook environments with pip (libcst, click, rich: the network or
the PIP_* configuration of the machine); one PRE_COMMIT_HOME serves the whole module, so that each environment
(the local hooks', the hook repository's) is installed once.
"""

from __future__ import annotations

import ast
import copy
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml  # PyYAML: a dependency of pre-commit (the test extras)

ROOT = Path(__file__).resolve().parent.parent
URL = "https://github.com/sqla-fix/sqla-fix"
PLACEHOLDER = "<commit>"
README_REQUIREMENT = f"sqla-fix @ git+{URL}@{PLACEHOLDER}"
PRE_COMMIT = [sys.executable, "-m", "pre_commit"]  # the test extras' pre-commit; missing means failing
SQLA_FIX = [sys.executable, "-m", "sqla_fix"]

# The only findings: SQF001 on Comment.post_id, a safe fix (the key is NOT NULL, the one-to-many side has its
# cascade, both tables have their timestamps).
SAFE_MODEL = '''\
from datetime import datetime

from sqlalchemy import ForeignKey, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Post(Base):
    __tablename__ = "post"

    id: Mapped[int] = mapped_column(primary_key=True)
    comments: Mapped[list["Comment"]] = relationship(cascade="all, delete-orphan")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Comment(Base):
    __tablename__ = "comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"), nullable=False)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())
'''
KEY_LINE = '    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"), nullable=False)\n'

# The only finding: SQF005 without a fix (`created` plays created_at's role: the table has its own convention).
NO_FIX_MODEL = '''\
from datetime import datetime

from sqlalchemy import DateTime, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Note(Base):
    __tablename__ = "note"

    id: Mapped[int] = mapped_column(primary_key=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
'''
CLASS_LINE = "class Note(Base):\n"


# ------------------------------------------------------------------------------------------- the README's snippets


def _section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^## pre-commit\n(.*?)(?=^## )", text, flags=re.MULTILINE | re.DOTALL)
    assert match, "README.md has no `## pre-commit` section"
    return match.group(1)


def _snippets() -> dict[str, dict]:
    """The section's yaml blocks by form: "local" (repo: local) and "remote" (this repository as hook repo)."""
    fenced = re.findall(r"^```yaml\n(.*?)^```", _section(), flags=re.MULTILINE | re.DOTALL)
    blocks = [yaml.safe_load(block) for block in fenced]
    forms: dict[str, dict] = {}
    for config in blocks:
        (repo,) = config["repos"]
        form = "local" if repo["repo"] == "local" else "remote"
        assert form not in forms, f"two {form} snippets in the README's pre-commit section"
        forms[form] = config
    assert set(forms) == {"local", "remote"}, forms
    return forms


SNIPPETS = _snippets()
MANIFEST = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))


def test_snippets_and_manifest_agree():
    """The local hooks are the hook repository's hooks, spelled out; the placeholders are the documented ones."""
    manifest = {hook["id"]: hook for hook in MANIFEST}
    assert set(manifest) == {"sqla-fix", "sqla-fix-check"}
    assert manifest["sqla-fix"]["entry"] == "sqla-fix fix --force-exclude"  # as ruff's hooks: exclude holds for named files
    assert manifest["sqla-fix-check"]["entry"] == "sqla-fix check --force-exclude"
    for hook in manifest.values():
        assert hook["language"] == "python" and hook["require_serial"] is True and hook["description"]
    (local,) = SNIPPETS["local"]["repos"]
    assert [hook["id"] for hook in local["hooks"]] == ["sqla-fix", "sqla-fix-check"]
    for hook in local["hooks"]:
        assert hook["additional_dependencies"] == [README_REQUIREMENT]
        for key in ("name", "entry", "language", "types", "require_serial"):
            assert hook[key] == manifest[hook["id"]][key], (hook["id"], key)
    (remote,) = SNIPPETS["remote"]["repos"]
    assert remote["repo"] == URL and remote["rev"] == PLACEHOLDER
    assert [hook["id"] for hook in remote["hooks"]] == ["sqla-fix"]
    assert "sqla-fix-check" in _section()
    assert f'Repository = "{URL}"' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")


# ----------------------------------------------------------------------------------------------- the scratch repos


@dataclass(frozen=True)
class ToolRepo:
    path: Path
    sha: str


def _environment(home: Path) -> dict[str, str]:
    """The caller's environment (PATH, PIP_*, proxies: the network) without what would steer git or pre-commit
    elsewhere (a hook's GIT_DIR/GIT_INDEX_FILE, SKIP, the user's and the system's git configuration)."""
    env = {
        key: value for key, value in os.environ.items()
        if not (key.startswith("GIT_") and not key.startswith("GIT_SSL_")) and not key.startswith("PRE_COMMIT")
        and key != "SKIP"
    }
    env.update(
        GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, GIT_TERMINAL_PROMPT="0",
        PRE_COMMIT_HOME=str(home), PRE_COMMIT_COLOR="never",
    )
    return env


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    return _environment(tmp_path_factory.mktemp("pre-commit-home"))


def _run(command: list[str], cwd: Path, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(command, check=False, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=timeout)


def _ok(command: list[str], cwd: Path, env: dict[str, str], timeout: float = 60) -> str:
    process = _run(command, cwd, env, timeout)
    assert process.returncode == 0, f"{command} exited {process.returncode}:\n{process.stdout}"
    return process.stdout


def _git_init(path: Path, env: dict[str, str]) -> None:
    _ok(["git", "init", "-q", str(path)], path, env)
    _ok(["git", "config", "user.name", "sqla-fix tests"], path, env)
    _ok(["git", "config", "user.email", "tests@sqla-fix.invalid"], path, env)
    _ok(["git", "config", "commit.gpgsign", "false"], path, env)


@pytest.fixture(scope="module")
def tool_repo(tmp_path_factory, env) -> ToolRepo:
    """This working tree as a git repository of its own: what pip installs and pre-commit clones."""
    path = tmp_path_factory.mktemp("sqla-fix-repository")
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy2(ROOT / name, path / name)
    shutil.copytree(ROOT / "sqla_fix", path / "sqla_fix", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    _git_init(path, env)
    _ok(["git", "add", "-A"], path, env)
    _ok(["git", "commit", "-q", "-m", "sqla-fix, as in the working tree"], path, env)
    return ToolRepo(path, _ok(["git", "rev-parse", "HEAD"], path, env).strip())


def local_config(tool: ToolRepo, hook_id: str) -> dict:
    """The README's local snippet with the one hook kept, installed from the scratch repository's commit."""
    config = copy.deepcopy(SNIPPETS["local"])
    (repo,) = config["repos"]
    repo["hooks"] = [hook for hook in repo["hooks"] if hook["id"] == hook_id]
    (hook,) = repo["hooks"]
    hook["additional_dependencies"] = [
        requirement.replace(f"git+{URL}@{PLACEHOLDER}", f"git+file://{tool.path}@{tool.sha}")
        for requirement in hook["additional_dependencies"]
    ]
    return config


def remote_config(tool: ToolRepo, hook_id: str, rev: str | None = None) -> dict:
    """The README's hook-repository snippet, on the scratch repository at its commit (`id:` as the README says)."""
    config = copy.deepcopy(SNIPPETS["remote"])
    (repo,) = config["repos"]
    repo["repo"] = str(tool.path)
    repo["rev"] = tool.sha if rev is None else rev
    repo["hooks"] = [{**repo["hooks"][0], "id": hook_id}]
    return config


def project(path: Path, config: dict, files: dict[str, str], env: dict[str, str], install: bool = True) -> Path:
    """A fresh project repository with the config and files, and (unless told not to) the hook installed."""
    _git_init(path, env)
    (path / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    for name, text in files.items():
        (path / name).write_text(text, encoding="utf-8")
    if install:
        _install(path, env)
    return path


def _install(path: Path, env: dict[str, str]) -> None:
    assert "pre-commit installed at" in _ok([*PRE_COMMIT, "install"], path, env)
    # `git commit` runs the hook just installed: no core.hooksPath (pre-commit refuses to install with one),
    # and the hooks directory is the repository's own.
    assert _run(["git", "config", "--get", "core.hooksPath"], path, env).returncode == 1
    hooks = Path(_ok(["git", "rev-parse", "--git-path", "hooks"], path, env).strip())
    assert (path / hooks).resolve() == (path / ".git" / "hooks").resolve()
    assert "pre_commit" in (path / ".git" / "hooks" / "pre-commit").read_text(encoding="utf-8")


def commit(path: Path, env: dict[str, str], message: str = "models") -> subprocess.CompletedProcess:
    _ok(["git", "add", "-A"], path, env)
    # the first commit of the module installs a hook environment: pip downloads and builds
    return _run(["git", "commit", "-m", message], path, env, timeout=900)


def assert_blocked(process: subprocess.CompletedProcess, hook_id: str, *expected: str) -> None:
    assert process.returncode != 0, process.stdout
    assert re.search(rf"^{re.escape(hook_id)}\.+Failed$", process.stdout, flags=re.MULTILINE), process.stdout
    for text in expected:
        assert text in process.stdout, process.stdout


def assert_committed(process: subprocess.CompletedProcess, path: Path, env: dict[str, str], hook_id: str,
                     commits: int = 1) -> None:
    assert process.returncode == 0, process.stdout
    assert re.search(rf"^{re.escape(hook_id)}\.+Passed$", process.stdout, flags=re.MULTILINE), process.stdout
    assert _ok(["git", "rev-list", "--count", "HEAD"], path, env).strip() == str(commits)
    assert _ok(["git", "status", "--porcelain"], path, env) == ""  # the cache carries its own .gitignore


def findings(path: Path, env: dict[str, str], name: str = "models.py") -> list[dict]:
    process = _run([*SQLA_FIX, "check", "--output-format", "json", "--no-cache", name], path, env)
    assert process.returncode in (0, 1), process.stdout
    return json.loads(process.stdout)


def key_is_indexed(source: str) -> bool:
    """Whether `Comment.post_id`'s mapped_column(...) says index=True."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == "post_id":
            return any(k.arg == "index" and isinstance(k.value, ast.Constant) and k.value.value is True
                       for k in node.value.keywords)
    raise AssertionError("no post_id in the model")


def with_noqa(source: str, line: str, code: str) -> str:
    """The source with `# noqa: CODE` at the end of the line (always with the code: ruff's RUF100 removes a bare
    `# noqa`)."""
    assert source.count(line) == 1
    return source.replace(line, f"{line[:-1]}  # noqa: {code}\n")


def fixing_session(path: Path, env: dict[str, str]) -> None:
    """Commit blocked and the file rewritten; reviewed, added, committed."""
    assert [(f["code"], f["fix"]["applicability"]) for f in findings(path, env)] == [("SQF001", "safe")]
    blocked = commit(path, env)
    assert_blocked(blocked, "sqla-fix", "- files were modified by this hook", "models.py: fixed 1 finding (SQF001)")
    fixed = (path / "models.py").read_text(encoding="utf-8")
    assert key_is_indexed(fixed) and fixed != SAFE_MODEL
    assert "post_id" in _ok(["git", "diff"], path, env)
    assert findings(path, env) == []
    assert_committed(commit(path, env), path, env, "sqla-fix")
    assert key_is_indexed(_ok(["git", "show", "HEAD:models.py"], path, env))


# ------------------------------------------------------------------------------------------------------- the tests


def test_fixing_hook_local(tmp_path, tool_repo, env):
    repo = project(tmp_path, local_config(tool_repo, "sqla-fix"), {"models.py": SAFE_MODEL}, env)
    fixing_session(repo, env)


@pytest.mark.parametrize("decision", ["noqa", "fix"])
def test_check_hook_local(tmp_path, tool_repo, env, decision):
    repo = project(tmp_path, local_config(tool_repo, "sqla-fix-check"), {"models.py": SAFE_MODEL}, env)
    blocked = commit(repo, env)
    assert_blocked(blocked, "sqla-fix-check", "models.py:24:5: SQF001 [safe fix]", "- exit code: 1")
    assert (repo / "models.py").read_text(encoding="utf-8") == SAFE_MODEL  # reported, not written
    if decision == "noqa":
        (repo / "models.py").write_text(with_noqa(SAFE_MODEL, KEY_LINE, "SQF001"), encoding="utf-8")
    else:
        _ok([*SQLA_FIX, "fix", "models.py"], repo, env)
        assert key_is_indexed((repo / "models.py").read_text(encoding="utf-8"))
    assert_committed(commit(repo, env), repo, env, "sqla-fix-check")


def test_fixing_hook_blocks_a_finding_without_fix_until_decided(tmp_path, tool_repo, env):
    repo = project(tmp_path, local_config(tool_repo, "sqla-fix"), {"models.py": NO_FIX_MODEL}, env)
    assert [(f["code"], (f["fix"] or {}).get("applicability", "none")) for f in findings(repo, env)] == [("SQF005", "none")]
    blocked = commit(repo, env)
    assert_blocked(blocked, "sqla-fix", "models.py:11:7: SQF005 [no fix]", "- exit code: 1", "1 remaining")
    assert "files were modified" not in blocked.stdout
    assert (repo / "models.py").read_text(encoding="utf-8") == NO_FIX_MODEL
    assert_blocked(commit(repo, env), "sqla-fix")  # still blocked: nothing was decided
    (repo / "models.py").write_text(with_noqa(NO_FIX_MODEL, CLASS_LINE, "SQF005"), encoding="utf-8")
    assert_committed(commit(repo, env), repo, env, "sqla-fix")


def test_fixing_hook_from_the_hook_repository(tmp_path, tool_repo, env):
    repo = project(tmp_path, remote_config(tool_repo, "sqla-fix"), {"models.py": SAFE_MODEL}, env)
    fixing_session(repo, env)


def test_check_hook_from_the_hook_repository(tmp_path, tool_repo, env):
    repo = project(tmp_path, remote_config(tool_repo, "sqla-fix-check"), {"models.py": SAFE_MODEL}, env)
    assert_blocked(commit(repo, env), "sqla-fix-check", "models.py:24:5: SQF001 [safe fix]")
    assert (repo / "models.py").read_text(encoding="utf-8") == SAFE_MODEL
    (repo / "models.py").write_text(with_noqa(SAFE_MODEL, KEY_LINE, "SQF001"), encoding="utf-8")
    assert_committed(commit(repo, env), repo, env, "sqla-fix-check")


def test_run_all_files_on_files_committed_before_the_hook(tmp_path, tool_repo, env):
    """The README's install lines: `pre-commit install`, then `pre-commit run --all-files` once."""
    repo = project(tmp_path, local_config(tool_repo, "sqla-fix"), {"models.py": SAFE_MODEL}, env, install=False)
    _ok(["git", "add", "-A"], repo, env)
    _ok(["git", "commit", "-q", "-m", "before the hook"], repo, env)  # no hook yet: nothing runs
    _install(repo, env)
    run = _run([*PRE_COMMIT, "run", "--all-files"], repo, env, timeout=900)
    assert run.returncode == 1, run.stdout
    assert "models.py: fixed 1 finding (SQF001)" in run.stdout
    assert key_is_indexed((repo / "models.py").read_text(encoding="utf-8"))
    assert_committed(commit(repo, env, "indexes"), repo, env, "sqla-fix", commits=2)
    assert _ok([*PRE_COMMIT, "run", "--all-files"], repo, env, timeout=900).count("Passed") == 1


def test_autoupdate_writes_a_commit_while_there_is_no_tag(tmp_path, tool_repo, env):
    """The README: with no tag, `pre-commit autoupdate` puts the newest commit's full hash in `rev:`."""
    repo = project(tmp_path, remote_config(tool_repo, "sqla-fix", rev=PLACEHOLDER), {}, env, install=False)
    _ok([*PRE_COMMIT, "autoupdate"], repo, env, timeout=300)
    config = yaml.safe_load((repo / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    assert config["repos"][0]["rev"] == tool_repo.sha
