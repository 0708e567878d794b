// Figures that notebooks draw from what a cell measured: plain SVG strings, to show with
// tslab.display.svg(...). Drawing code is long and not the lesson, so it lives here.
// tslab compiles this file with TypeScript 5.0 into CommonJS: nothing newer.

const escape = (text: string): string => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

const ARROW_DEFS =
  `<defs><marker id="fig-arrow" markerWidth="8" markerHeight="8" refX="7" refY="4" orient="auto">` + `<path d="M0,0 L8,4 L0,8 z" fill="#444"/></marker></defs>`;

function box(x: number, y: number, w: number, h: number, fill: string, lines: readonly string[], bold = false): string {
  const text = lines
    .map(
      (line, i) => `<text x="${x + w / 2}" y="${y + 16 + i * 14}" text-anchor="middle"${bold && i === 0 ? ' font-weight="bold"' : ""}>${escape(line)}</text>`,
    )
    .join("");
  return `<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="5" fill="${fill}" stroke="#555"/>${text}`;
}

function arrow(x1: number, y1: number, x2: number, y2: number, dashed = false): string {
  return `<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="#444"${dashed ? ' stroke-dasharray="4 3"' : ""} marker-end="url(#fig-arrow)"/>`;
}

/** Per-process descriptor tables pointing at open file descriptions, which point at kernel objects. */
export interface FdFigure {
  title: string;
  /** Each process's table: the fds to draw, each naming the `key` of a description. */
  processes: ReadonlyArray<{ name: string; fds: ReadonlyArray<{ fd: number; description: string }> }>;
  /** Open file descriptions: what open() (or pipe(), socket()) created; `object` names a kernel object's key. */
  descriptions: ReadonlyArray<{ key: string; lines: readonly string[]; object: string }>;
  /** The objects themselves: an inode, a pipe, a socket. */
  objects: ReadonlyArray<{ key: string; lines: readonly string[] }>;
}

/** Three columns: fd tables → open file descriptions → kernel objects (TLPI figure 5-2, drawn from data). */
export function fdTableFigure(figure: FdFigure): string {
  const rowH = 22,
    procW = 220,
    descW = 200,
    objW = 170,
    gap = 16,
    top = 56;
  const colX = [10, 10 + procW + 70, 10 + procW + 70 + descW + 70];
  const parts: string[] = [];
  const fdY = new Map<string, number>(); // "process index:fd" -> y of the row's middle
  let y = top;
  figure.processes.forEach((p, pi) => {
    const h = 24 + p.fds.length * rowH;
    parts.push(box(colX[0]!, y, procW, h, "#e8f0fe", [p.name], true));
    p.fds.forEach((f, i) => {
      const rowY = y + 24 + i * rowH;
      parts.push(`<line x1="${colX[0]}" y1="${rowY}" x2="${colX[0]! + procW}" y2="${rowY}" stroke="#aab"/>`);
      parts.push(`<text x="${colX[0]! + 10}" y="${rowY + 15}">fd ${f.fd}</text>`);
      fdY.set(`${pi}:${f.fd}`, rowY + rowH / 2);
    });
    y += h + gap;
  });
  const procBottom = y;
  const column = (items: ReadonlyArray<{ key: string; lines: readonly string[] }>, x: number, w: number, fill: string): Map<string, number> => {
    const heights = items.map((it) => 12 + it.lines.length * 14);
    const total = heights.reduce((a, b) => a + b, 0) + gap * Math.max(0, items.length - 1);
    let at = Math.max(top, top + (procBottom - gap - top - total) / 2);
    const middles = new Map<string, number>();
    items.forEach((it, i) => {
      parts.push(box(x, at, w, heights[i]!, fill, it.lines));
      middles.set(it.key, at + heights[i]! / 2);
      at += heights[i]! + gap;
    });
    return middles;
  };
  const descY = column(figure.descriptions, colX[1]!, descW, "#fff5d6");
  const objY = column(figure.objects, colX[2]!, objW, "#eeeeee");
  figure.processes.forEach((p, pi) =>
    p.fds.forEach((f) => {
      const to = descY.get(f.description);
      if (to !== undefined) parts.push(arrow(colX[0]! + procW, fdY.get(`${pi}:${f.fd}`)!, colX[1]! - 2, to));
    }),
  );
  for (const d of figure.descriptions) {
    const to = objY.get(d.object);
    if (to !== undefined) parts.push(arrow(colX[1]! + descW, descY.get(d.key)!, colX[2]! - 2, to));
  }
  const width = colX[2]! + objW + 10;
  const height = Math.max(procBottom, ...[...descY.values(), ...objY.values()].map((v) => v + 40)) + 4;
  const headings = ["descriptor tables (per process)", "open file descriptions", "kernel objects"]
    .map((h, i) => `<text x="${colX[i]! + [procW, descW, objW][i]! / 2}" y="${top - 10}" text-anchor="middle" fill="#555">${h}</text>`)
    .join("");
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">${ARROW_DEFS}` +
    `<text x="10" y="20" font-size="14" font-weight="bold">${escape(figure.title)}</text>${headings}${parts.join("")}</svg>`
  );
}

/** One moment of a process's descriptor table, for a timeline such as fork → dup2 → exec. */
export interface TableMoment {
  /** Above the table: "parent", "child after fork()", ... */
  title: string;
  /** Rows: an fd and what it points at; `mark` colours a row that just changed. */
  rows: ReadonlyArray<{ fd: string; target: string; mark?: "changed" | "closing" }>;
}

/** Tables side by side, joined by arrows labelled with the call that leads from one to the next. */
export function timelineFigure(title: string, moments: readonly TableMoment[], calls: readonly string[]): string {
  const colW = 215,
    arrowW = 130,
    rowH = 20,
    top = 70;
  const parts: string[] = [];
  let maxRows = 0;
  moments.forEach((m, i) => {
    const x = 10 + i * (colW + arrowW);
    maxRows = Math.max(maxRows, m.rows.length);
    parts.push(`<text x="${x + colW / 2}" y="${top - 12}" text-anchor="middle" font-weight="bold">${escape(m.title)}</text>`);
    parts.push(`<rect x="${x}" y="${top}" width="${colW}" height="${m.rows.length * rowH}" fill="#e8f0fe" stroke="#555"/>`);
    m.rows.forEach((r, j) => {
      const y = top + j * rowH;
      const fill = r.mark === "changed" ? "#d7ecd9" : r.mark === "closing" ? "#fde2c8" : "none";
      parts.push(`<rect x="${x}" y="${y}" width="${colW}" height="${rowH}" fill="${fill}" stroke="#aab"/>`);
      parts.push(
        `<text x="${x + 8}" y="${y + 14}">fd ${escape(r.fd)}</text><text x="${x + 52}" y="${y + 14}"${r.mark === "closing" ? ' text-decoration="line-through"' : ""}>${escape(r.target)}</text>`,
      );
    });
    if (i < moments.length - 1) {
      const ax = x + colW + 6;
      parts.push(arrow(ax, top + 30, ax + arrowW - 12, top + 30));
      escape(calls[i] ?? "")
        .split("\n")
        .forEach((line, k) => parts.push(`<text x="${ax + (arrowW - 12) / 2}" y="${top + 50 + k * 13}" text-anchor="middle" font-size="11">${line}</text>`));
    }
  });
  const width = 10 + moments.length * (colW + arrowW) - arrowW + 10;
  const height = top + maxRows * rowH + 50;
  const legend =
    `<rect x="10" y="${height - 22}" width="12" height="12" fill="#d7ecd9" stroke="#aab"/><text x="28" y="${height - 12}">just changed</text>` +
    `<rect x="120" y="${height - 22}" width="12" height="12" fill="#fde2c8" stroke="#aab"/><text x="138" y="${height - 12}">close-on-exec: gone at exec</text>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">${ARROW_DEFS}` +
    `<text x="10" y="20" font-size="14" font-weight="bold">${escape(title)}</text>${parts.join("")}${legend}</svg>`
  );
}
