"""Regenerate loaders/proto/*_pb2.py from the .proto files beside them (needs grpcio-tools)."""

from __future__ import annotations

import pathlib
import sys

from grpc_tools import protoc

ROOT = pathlib.Path(__file__).resolve().parents[1]
PROTO_DIR = ROOT / "loaders" / "proto"


def main(out_dir: pathlib.Path = ROOT) -> int:
    """Compile every .proto under loaders/proto into out_dir (the repository root by default).

    Args:
        out_dir: where the loaders/proto/*_pb2.py tree is written.

    Returns:
        protoc's exit status (0 on success).
    """
    include = pathlib.Path(protoc.__file__).parent / "_proto"
    sources = sorted(str(p.relative_to(ROOT)) for p in PROTO_DIR.glob("*.proto"))
    args = ["protoc", f"-I{ROOT}", f"-I{include}", f"--python_out={out_dir}", *sources]
    return protoc.main(args)


if __name__ == "__main__":
    target = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT
    sys.exit(main(target))
