"""Source-like text for the benchmark events, shared by scripts/bench.sh and scripts/scale.sh
so that both measure the same kind of content: Rust keywords, four to ten to a line, drawn from
the module `random` (the callers seed it)."""
import random

WORDS = ("fn let mut match Some None Ok Err Result Option Vec String impl struct self pub use "
         "crate return if else for while loop").split()


def rust_text(n):
    """About `n` bytes (exactly `n`, cut at the end) of lines of Rust keywords."""
    out, size = [], 0
    while size < n:
        line = "    " + " ".join(random.choice(WORDS) for _ in range(random.randint(4, 10))) + ";"
        out.append(line)
        size += len(line) + 1
    return "\n".join(out)[:n]
