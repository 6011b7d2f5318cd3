"""How fast the command line starts.

    uv run python benchmarks/startup.py [--runs N]

Times, in one run and on the same machine, each as a fresh process:

1. ``napci --help``;
2. ``napci actors --json`` on the shipped record (a temporary SQLite file
   made with ``napci init``);
3. ``python -c "import typer"``: the floor of any Typer command line;
4. ``python -c "import typer, sqlalchemy"``: the floor of one that opens a
   database with SQLAlchemy;
5. for reference (no target): a one-verb Typer app whose verb takes a text
   option and imports SQLAlchemy. Typer coerces a text option's value with
   Pydantic, so any such verb loads Pydantic as well; this is the floor of a
   verb like ``actors --json`` before napci reads anything.

napci's own modules are compiled to bytecode first, as ``scripts/test``'s
bootstrap does (an editable install leaves them to be compiled on import, and
with ``PYTHONDONTWRITEBYTECODE`` set every run would compile them again; the
installed packages are compiled by their installer). Each command is run
``--runs`` times (default 15), the five in turn so that they see the same
machine, after one unmeasured run each (which warms the disk caches). Wall
time is measured around the process; CPU time is the child's user plus
system time. The figures are the best and the median of the runs.

Targets (on a 2-core machine), judged on the best run, which is what the code
costs when the machine is not busy with something else:

- ``napci --help`` <= 0.35 s wall;
- ``napci actors --json`` <= 1.15 x ``python -c "import typer, sqlalchemy"``
  (wall).
"""

from __future__ import annotations

import argparse
import compileall
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

TARGET_HELP_S = 0.35
TARGET_ACTORS_RATIO = 1.15

#: A Typer app with one verb taking a text option and opening SQLAlchemy.
_ONE_VERB = """
import typer

app = typer.Typer()


@app.command()
def verb(db: str = "sqlite://") -> None:
    import sqlalchemy

    sqlalchemy.make_url(db)


@app.command()
def other() -> None:
    pass


app()
"""


@dataclass
class Timing:
    """The runs of one command: wall and CPU seconds."""

    label: str
    argv: list[str]
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def run(self, env: dict[str, str]) -> tuple[float, float]:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(
            self.argv, env=env, check=True, stdout=subprocess.DEVNULL, stdin=None
        )
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return wall, cpu

    def measure(self, env: dict[str, str]) -> None:
        wall, cpu = self.run(env)
        self.wall.append(wall)
        self.cpu.append(cpu)

    @property
    def best(self) -> float:
        return min(self.wall)

    def line(self) -> str:
        return (
            f"  {self.label:<52} wall best {min(self.wall):.3f} s, median "
            f"{statistics.median(self.wall):.3f} s; CPU best {min(self.cpu):.3f} s, "
            f"median {statistics.median(self.cpu):.3f} s"
        )


def _napci() -> list[str]:
    script = Path(sys.executable).with_name("napci")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from napci.cli import main; main()"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="runs of each command")
    args = parser.parse_args()

    import napci as package

    compileall.compile_dir(Path(package.__file__).parent, quiet=1, workers=0)
    napci = _napci()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NAPCI_")}
    with tempfile.TemporaryDirectory(prefix="napci-bench-startup-") as folder:
        db = f"sqlite:///{Path(folder) / 'napci.db'}"
        subprocess.run(
            [*napci, "init", "--db", db], env=env, check=True, stdout=subprocess.DEVNULL
        )
        verb = Path(folder) / "one_verb.py"
        verb.write_text(_ONE_VERB)
        timings = [
            Timing("napci --help", [*napci, "--help"]),
            Timing(
                "napci actors --json (shipped record)",
                [*napci, "actors", "--json", "--db", db],
            ),
            Timing('python -c "import typer"', [sys.executable, "-c", "import typer"]),
            Timing(
                'python -c "import typer, sqlalchemy"',
                [sys.executable, "-c", "import typer, sqlalchemy"],
            ),
            Timing(
                "reference: a Typer verb with an option, SQLAlchemy",
                [sys.executable, str(verb), "verb", "--db", "sqlite://"],
            ),
        ]
        for timing in timings:  # disk caches warm
            timing.run(env)
        for _ in range(args.runs):
            for timing in timings:
                timing.measure(env)

    help_, actors, _typer, typer_sa, reference = timings
    cores = os.cpu_count()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"Python {platform.python_version()} on {platform.machine()}, {cores} cores; "
        f"load average at the end {load}; {args.runs} runs each"
    )
    for timing in timings:
        print(timing.line())
    ratio = actors.best / typer_sa.best
    floor = reference.best / typer_sa.best
    print("Targets (best runs):")
    print(
        f"  napci --help {help_.best:.3f} s <= {TARGET_HELP_S} s: "
        f"{'PASS' if help_.best <= TARGET_HELP_S else 'MISS'}"
    )
    print(
        f"  napci actors --json {actors.best:.3f} s = {ratio:.2f} x import typer, "
        f"sqlalchemy ({typer_sa.best:.3f} s) <= {TARGET_ACTORS_RATIO}: "
        f"{'PASS' if ratio <= TARGET_ACTORS_RATIO else 'MISS'} "
        f"(the reference verb: {floor:.2f} x)"
    )


if __name__ == "__main__":
    main()
