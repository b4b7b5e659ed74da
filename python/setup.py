"""Builds the extension module neardup._neardup with the project's CMake (python/CMakeLists.txt).

    python3 -m venv --system-site-packages .venv          # Debian: numpy, setuptools from apt
    .venv/bin/pip install --no-build-isolation ./python   # offline; or --user --break-system-packages

Environment: NEARDUP_CMAKE_ARGS (extra arguments for cmake, e.g. -DNEARDUP_NATIVE=ON),
NEARDUP_BUILD_JOBS (parallel jobs; default: all cores).
"""

import os
import pathlib
import re
import shlex
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent


def version():
    text = (ROOT / "CMakeLists.txt").read_text(encoding="utf-8")
    return re.search(r"project\(neardup VERSION ([0-9.]+)", text).group(1)


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        out = pathlib.Path(self.get_ext_fullpath(ext.name)).resolve()
        build = pathlib.Path(self.build_temp).resolve() / "cmake"
        build.mkdir(parents=True, exist_ok=True)
        args = [
            "cmake", "-S", str(ROOT), "-B", str(build),
            "-DCMAKE_BUILD_TYPE=Release",
            "-DNEARDUP_PYTHON=ON",
            f"-DPython3_EXECUTABLE={sys.executable}",
            "-DNEARDUP_BUILD_TESTS=OFF", "-DNEARDUP_BUILD_BENCH=OFF",
            "-DNEARDUP_BUILD_TOOLS=OFF", "-DNEARDUP_BUILD_SHARED=OFF", "-DNEARDUP_INSTALL=OFF",
        ]
        args += shlex.split(os.environ.get("NEARDUP_CMAKE_ARGS", ""))
        if subprocess.run(["ninja", "--version"], capture_output=True).returncode == 0:
            args += ["-G", "Ninja"]
        subprocess.run(args, check=True)
        jobs = os.environ.get("NEARDUP_BUILD_JOBS", str(os.cpu_count() or 1))
        subprocess.run(
            ["cmake", "--build", str(build), "--target", "neardup_python", "-j", jobs], check=True
        )
        built = next((build / "python" / "neardup").glob("_neardup*.so"))
        out.parent.mkdir(parents=True, exist_ok=True)
        self.copy_file(str(built), str(out))


setup(
    version=version(),
    ext_modules=[Extension("neardup._neardup", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
)
