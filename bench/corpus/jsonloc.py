"""Line numbers of the elements of top-level arrays in a JSON text, so errors can name a line."""

from __future__ import annotations


def array_element_lines(raw: str, key: str) -> list[int]:
    """1-based line of each element of the top-level array ``key`` in the JSON object ``raw``.

    A small scanner (strings, escapes, nesting) rather than a parser: it runs only after
    ``json.loads`` has accepted ``raw``, so the text is known to be well-formed.
    """
    depth = 0
    i, n = 0, len(raw)
    line = 1
    target = f'"{key}"'
    in_array = False
    array_depth = -1
    expect_element = False
    lines: list[int] = []
    while i < n:
        ch = raw[i]
        if ch == "\n":
            line += 1
        elif ch == '"':
            j = i + 1
            while j < n and raw[j] != '"':
                j += 2 if raw[j] == "\\" else 1
            token = raw[i : j + 1]
            if in_array and expect_element and depth == array_depth:
                lines.append(line)
                expect_element = False
            if not in_array and depth == 1 and token == target:
                k = j + 1
                while k < n and raw[k] in " \t\r\n:":
                    if raw[k] == "\n":
                        line += 1
                    k += 1
                if k < n and raw[k] == "[":
                    in_array, array_depth, expect_element = True, depth + 1, True
                    depth += 1
                    i = k + 1
                    continue
            i = j + 1
            continue
        elif ch in "[{":
            if in_array and expect_element and depth == array_depth:
                lines.append(line)
                expect_element = False
            depth += 1
        elif ch in "]}":
            depth -= 1
            if in_array and depth < array_depth:
                return lines
        elif ch == ",":
            if in_array and depth == array_depth:
                expect_element = True
        elif not ch.isspace() and in_array and expect_element and depth == array_depth:
            lines.append(line)
            expect_element = False
        i += 1
    return lines
