"""Runs a KCL program in process through kcl-lib's Python API (how KCL is embedded), with
`N` as its option, and prints the YAML result. Used by bench/compare.sh.

usage: python kcl_run.py FILE.k N
"""

import sys

from kcl_lib import api


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    args = api.ExecProgramArgs(k_filename_list=[sys.argv[1]], args=[api.Argument(name="N", value=sys.argv[2])])
    result = api.API().exec_program(args)
    if result.err_message:
        print(result.err_message, file=sys.stderr)
        return 1
    sys.stdout.write(result.yaml_result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
