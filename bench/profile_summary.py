"""Where the time goes, from py-spy's collapsed stacks (`hot_path.py --profile DIR`).

    .venv/bin/python bench/profile_summary.py DIR [--match read-Sportello-gateway] [--top 30]

For each group of files (path, system, process) it prints the share of samples spent in each
function itself (self) and under it (total), the idle event loop left out of both.
"""

import argparse
import re
from collections import Counter
from pathlib import Path

# Frames that mean the process was waiting, not working.
IDLE = re.compile(r"^(EpollSelector\.select|select|epoll_wait) \(")


def frames(stack: str) -> list[str]:
    # py-spy's raw lines: `frame;frame;... count`, each frame `function (file:line)`.
    return [re.sub(r":\d+\)$", ")", f) for f in stack.split(";")]


def summarise(files: list[Path], top: int) -> None:
    own: Counter[str] = Counter()
    under: Counter[str] = Counter()
    busy = idle = 0
    for file in files:
        for line in file.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if not stack or not count.isdigit():
                continue
            chain, n = frames(stack), int(count)
            if not chain or IDLE.search(chain[-1]):
                idle += n
                continue
            busy += n
            own[chain[-1]] += n
            for frame in set(chain):
                under[frame] += n
    print(f"  {busy} busy samples, {idle} idle")
    print("  self %  function")
    for frame, n in own.most_common(top):
        print(f"  {n / busy * 100:5.1f}  {frame}")
    print("  total %  function")
    for frame, n in under.most_common(top * 2):
        print(f"  {n / busy * 100:5.1f}  {frame}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--match", default="", help="only groups whose name contains this")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    groups: dict[str, list[Path]] = {}
    for file in sorted(args.folder.glob("*.txt")):
        groups.setdefault(file.name.split(".", 1)[0], []).append(file)
    for group, files in groups.items():
        if args.match in group:
            print(group)
            summarise(files, args.top)


if __name__ == "__main__":
    main()
