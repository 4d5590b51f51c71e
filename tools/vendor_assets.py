"""Copy the JavaScript the built pages need from node_modules/ into _vendor/ (served as _static/).

Run after `npm ci`. Nothing is fetched from a CDN when a page loads:
MathJax 3 (es5 bundle with its fonts), require.js and the Jupyter widgets HTML manager.
"""
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NODE = ROOT / "node_modules"
OUT = ROOT / "_vendor"

COPIES = [
    (NODE / "mathjax" / "es5", OUT / "mathjax"),
    (NODE / "requirejs" / "require.js", OUT / "require.js"),
    (NODE / "@jupyter-widgets" / "html-manager" / "dist", OUT / "html-manager"),
]


def main():
    missing = [str(src) for src, _ in COPIES if not src.exists()]
    if missing:
        sys.exit("missing " + ", ".join(missing) + "; run `npm ci` first")
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir()
    for src, dst in COPIES:
        if src.is_dir():
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("*.map", "*.LICENSE.txt", "embed.js"))
        else:
            shutil.copy2(src, dst)
    print(f"vendored {len(COPIES)} asset groups into {OUT.relative_to(ROOT)}/")


if __name__ == "__main__":
    main()
