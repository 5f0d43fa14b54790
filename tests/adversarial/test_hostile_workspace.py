"""A workspace's stylesheet and folders, as a hostile or careless sender would lay them out:
a resource the stylesheet asks for that is missing, broken or not a file fails the build
naming it (a PDF is never made without it), and a link cannot widen what the renderer (and
preview) may read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.adversarial.helpers import SENTINEL, run_engage
from tests.conftest import MINIMAL_SPEC, clause, run_cli, write_tree


def workspace(root: Path, style: str, files: dict[str, str | bytes] | None = None) -> Path:
    write_tree(root, {"engage.yaml": "engage: 1\n", "style.css": style, "spec.yaml": MINIMAL_SPEC,
                      **(files or {})})
    (root / "assets").mkdir(exist_ok=True)
    return root / "spec.yaml"


def build_fails(spec: Path, message: str, code: int = 1) -> None:
    output = spec.with_suffix(".pdf")
    output.write_bytes(SENTINEL)
    result = run_engage("build", spec, timeout=180)
    assert (result.code, result.stdout, result.stderr) == (code, "", f"{spec}: {message}\n")
    assert output.read_bytes() == SENTINEL


@pytest.mark.parametrize(
    "style",
    [
        "body { background: url(assets/missing.png) }",
        "@font-face { font-family: Brand; src: url(assets/missing.woff2) }"
        " body { font-family: Brand, serif }",
        "@import url(assets/missing.css);",
    ],
    ids=["image", "font", "import"],
)
def test_a_missing_resource_fails_the_build(tmp_path: Path, style: str) -> None:
    spec = workspace(tmp_path, style)
    name = style.split("url(")[1].split(")")[0]
    build_fails(spec, f"the document needs {(tmp_path / name).as_uri()}, which cannot be read: "
                      "no such resource file")


@pytest.mark.parametrize(
    ("style", "name", "report"),
    [
        ("body { background: url(assets/logo.png) }", "logo.png", "Failed to load image at"),
        ("@font-face { font-family: Brand; src: url(assets/brand.ttf) }"
         " body { font-family: Brand, serif }", "brand.ttf", "Failed to load font at"),
    ],
    ids=["image", "font"],
)
def test_a_broken_resource_fails_the_build(
    tmp_path: Path, style: str, name: str, report: str
) -> None:
    spec = workspace(tmp_path, style, {f"assets/{name}": b"not what it says it is\n"})
    uri = (tmp_path / "assets" / name).as_uri()
    build_fails(spec, f"the document needs a resource that is broken: {report} '{uri}'")


def test_a_resource_that_is_a_fifo_is_not_read(tmp_path: Path) -> None:
    spec = workspace(tmp_path, "body { background: url(assets/pipe.png) }")
    os.mkfifo(tmp_path / "assets" / "pipe.png")
    uri = (tmp_path / "assets" / "pipe.png").as_uri()
    build_fails(spec, f"the document needs {uri}, which cannot be read: the resource is a FIFO "
                      "(named pipe), not a regular file")


# Links cannot widen what may be read.


@pytest.mark.parametrize("where", ["workspace", "spec-folder"])
def test_a_linked_clauses_folder_is_refused(tmp_path: Path, where: str) -> None:
    outside = tmp_path / "outside"
    write_tree(outside, {"en/extra.md": clause("Extra", "Something.\n", optional="true")})
    home = tmp_path / "home"
    if where == "workspace":
        spec = workspace(home, "body { color: black }")
    else:
        write_tree(home, {"spec.yaml": MINIMAL_SPEC})
        spec = home / "spec.yaml"
    (home / "clauses").symlink_to(outside)
    message = (f"{home / 'clauses'}: links to {outside}, outside {home}; "
               "engage does not follow it there")
    for command in ("build", "check"):
        result = run_cli(command, spec)
        assert (result.code, result.stderr) == (2, f"{message}\n"), command


def test_a_linked_assets_folder_is_refused(tmp_path: Path) -> None:
    spec = workspace(tmp_path / "home", "body { background: url(assets/etc/hostname) }")
    assets = tmp_path / "home" / "assets"
    assets.rmdir()
    assets.symlink_to("/")
    result = run_cli("build", spec)
    assert (result.code, result.stderr) == (
        2, f"{assets}: links to /, outside {tmp_path / 'home'}; engage does not follow it there\n"
    )
