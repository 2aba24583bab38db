"""Independent check of a generated Space with other parsers than ours.

PyYAML reads the Space README header, `packaging` reads every requirement line, Python's own `ast`
reads app.py. Our C++ checks use yaml-cpp and a hand-sized PEP 508 validator; this guards them.
Usage: check_generated_space.py DIR [DIR ...]   Prints one line per check and `N passed, M failed`.
"""
import ast
import pathlib
import sys

import yaml
from packaging.requirements import InvalidRequirement, Requirement

REQUIRED_YAML = ("title", "sdk", "sdk_version", "app_file", "models", "short_description")


def check(dir_: pathlib.Path):
    results = []
    readme = (dir_ / "README.md").read_text(encoding="utf-8")
    parts = readme.split("---\n")
    header = yaml.safe_load(parts[1]) if readme.startswith("---\n") and len(parts) >= 3 else None
    ok = isinstance(header, dict) and all(k in header for k in REQUIRED_YAML)
    results.append(("yaml header keys", ok, header and sorted(header)))
    if isinstance(header, dict):
        results.append(("sdk is gradio", header.get("sdk") == "gradio", header.get("sdk")))
        results.append(("private by nothing public", "visibility" not in header, ""))
        results.append(("short_description <= 60", len(str(header.get("short_description", ""))) <= 60,
                        header.get("short_description")))
        results.append(("app_file exists", (dir_ / str(header.get("app_file"))).is_file(),
                        header.get("app_file")))
    bad = []
    for line in (dir_ / "requirements.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("--"):
            continue
        try:
            Requirement(line)
        except InvalidRequirement as e:
            bad.append(f"{line}: {e}")
    results.append(("requirements parse (packaging)", not bad, bad))
    tree = ast.parse((dir_ / "app.py").read_text(encoding="utf-8"))
    api_names = [kw.value.value for node in ast.walk(tree) if isinstance(node, ast.Call)
                 for kw in node.keywords
                 if kw.arg == "api_name" and isinstance(kw.value, ast.Constant)]
    results.append(('api_name="generate" (ast)', "generate" in api_names, api_names))
    return results


def main(argv):
    passed = failed = 0
    for d in argv[1:]:
        for name, ok, detail in check(pathlib.Path(d)):
            print(f"{'PASS' if ok else 'FAIL'} {d}: {name}" + ("" if ok else f" ({detail})"))
            passed += ok
            failed += not ok
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
