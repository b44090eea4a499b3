"""A kernel dumped by DOWNHILL_JIT_DUMP as GNU assembler source, for bench/kernel.

    python3 bench/kernel_asm.py NAME DUMP [TRANSFORM] >> k.s

Disassembles DUMP (the machine code bytes) with objdump and writes it as a function NAME in Intel syntax, each
instruction labelled by its offset so that jumps still land. TRANSFORM names a function of this file applied to
the instruction list first: what-if edits timed without touching the code generator (the list is
[(offset, text)]; an edit keeps instructions' meaning only as far as it means to).
"""
import re
import subprocess
import sys


def instructions(path):
    out = subprocess.run(
        ["objdump", "-D", "-b", "binary", "-m", "i386:x86-64", "-M", "intel", path],
        capture_output=True, text=True, check=True,
    ).stdout
    found = []
    for line in out.splitlines():
        m = re.match(r"^\s+([0-9a-f]+):\t[^\t]*\t(.*)$", line)
        if m:
            found.append((int(m.group(1), 16), m.group(2).strip()))
    return found


def function(name, instrs):
    lines = [f".globl {name}", f"{name}:"]
    for offset, text in instrs:
        text = re.sub(r"\b(j\w+)\s+0x([0-9a-f]+)", lambda m: f"{m.group(1)} {name}_{m.group(2)}", text)
        lines.append(f"{name}_{offset:x}: {text.replace('YMMWORD PTR', 'ymmword ptr')}")
    return "\n".join(lines) + "\n"


def fma_chains_to_multiplies(instrs):
    """Every accumulating multiply-add becomes a multiply: the same pipes, no chains. The floor that
    scheduling alone could reach."""
    out = []
    for offset, text in instrs:
        m = re.match(r"^vfn?m(?:add|sub)(?:132|213|231)p([sd])\s+(\w+),\s*(\w+),\s*(.*)$", text)
        out.append((offset, f"vmulp{m.group(1)} {m.group(2)},{m.group(3)},{m.group(4)}" if m else text))
    return out


if __name__ == "__main__":
    name, dump = sys.argv[1], sys.argv[2]
    instrs = instructions(dump)
    if len(sys.argv) > 3:
        instrs = globals()[sys.argv[3]](instrs)
    sys.stdout.write(function(name, instrs))
