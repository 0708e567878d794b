// SVG drawings for the socket chapters (07, 08), so that the cells stay short: the cell measures,
// these functions only draw what it measured. Show the result with tslab.display.svg(svg).
// Plumbing only, never a lab's answer; compiled by tslab's TypeScript 5.0 into CommonJS.

const escape = (text: string): string => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export interface RatioBar {
  label: string;
  /** How many times faster (e.g. UDS MiB/s divided by TCP MiB/s). */
  ratio: number;
  /** The raw numbers behind the ratio, printed after it. */
  detail: string;
}

/** Horizontal bars of ratios, with dashed lines at 1x ("same speed") and at `claim` (e.g. the notes' 2x). */
export function ratioBars(title: string, bars: readonly RatioBar[], claim = { at: 2, label: "2x: the notes' claim" }): string {
  const width = 720,
    rowH = 44,
    left = 170,
    top = 30;
  const maxRatio = Math.max(2.5, ...bars.map((bar) => bar.ratio * 1.1));
  const height = top + bars.length * rowH + 40;
  const x = (ratio: number): number => left + (ratio / maxRatio) * (width - left - 200);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="13">`,
    `<text x="${left}" y="18" font-weight="bold">${escape(title)}</text>`,
    ...bars.flatMap((bar, i) => {
      const y = top + i * rowH;
      return [
        `<text x="${left - 8}" y="${y + 22}" text-anchor="end">${escape(bar.label)}</text>`,
        `<rect x="${left}" y="${y + 6}" width="${Math.max(1, x(bar.ratio) - left)}" height="24" fill="#4c78a8"/>`,
        `<text x="${x(bar.ratio) + 6}" y="${y + 22}">${bar.ratio.toFixed(2)}x  (${escape(bar.detail)})</text>`,
      ];
    }),
    ...[
      { at: 1, label: "1x: same speed", colour: "#888" },
      { ...claim, colour: "#e45756" },
    ].map(
      (mark) =>
        `<line x1="${x(mark.at)}" y1="${top}" x2="${x(mark.at)}" y2="${height - 30}" stroke="${mark.colour}" stroke-dasharray="4 3"/>` +
        `<text x="${x(mark.at)}" y="${height - 14}" text-anchor="middle" fill="${mark.colour}">${escape(mark.label)}</text>`,
    ),
    `</svg>`,
  ].join("\n");
}

export interface SizePoint {
  /** Bytes per write. */
  size: number;
  /** MiB/s of each series at this size, e.g. { UDS: 2100, TCP: 1500 }. */
  values: Record<string, number>;
}

const COLOURS = ["#4c78a8", "#f58518", "#54a24b", "#e45756"];

const sizeLabel = (bytes: number): string => (bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MiB` : bytes >= 1024 ? `${bytes / 1024} KiB` : `${bytes} B`);

/**
 * Throughput against message size, both axes logarithmic, one line per series. Above each size it
 * prints the ratio of the first series to the second (UDS / TCP).
 */
export function throughputBySize(title: string, points: readonly SizePoint[], unit = "MiB/s"): string {
  const names = Object.keys(points[0]?.values ?? {});
  const all = points.flatMap((point) => Object.values(point.values)).filter((v) => v > 0);
  const width = 720,
    height = 380,
    left = 70,
    right = 120,
    top = 72,
    bottom = 50;
  const lo = Math.pow(10, Math.floor(Math.log10(Math.min(...all))));
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...all))));
  const sizes = points.map((point) => point.size);
  const xMin = Math.log2(Math.min(...sizes)),
    xMax = Math.log2(Math.max(...sizes));
  const x = (size: number): number => left + ((Math.log2(size) - xMin) / Math.max(1, xMax - xMin)) * (width - left - right);
  const y = (value: number): number => top + (1 - (Math.log10(value) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * (height - top - bottom);
  const grid: string[] = [];
  for (let decade = lo; decade <= hi; decade *= 10) {
    grid.push(
      `<line x1="${left}" y1="${y(decade)}" x2="${width - right}" y2="${y(decade)}" stroke="#ddd"/>`,
      `<text x="${left - 6}" y="${y(decade) + 4}" text-anchor="end">${decade}</text>`,
    );
  }
  for (const size of sizes) {
    grid.push(`<text x="${x(size)}" y="${height - bottom + 18}" text-anchor="middle">${sizeLabel(size)}</text>`);
  }
  const series = names.map((name, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const coords = points.filter((point) => (point.values[name] ?? 0) > 0).map((point) => `${x(point.size)},${y(point.values[name]!)}`);
    const last = points[points.length - 1];
    return [
      `<polyline points="${coords.join(" ")}" fill="none" stroke="${colour}" stroke-width="2"/>`,
      ...coords.map((c) => `<circle cx="${c.split(",")[0]}" cy="${c.split(",")[1]}" r="3" fill="${colour}"/>`),
      last ? `<text x="${width - right + 8}" y="${y(last.values[name] ?? lo) + 4}" fill="${colour}">${escape(name)}</text>` : "",
    ].join("");
  });
  const ratios =
    names.length >= 2
      ? points.map((point) => {
          const ratio = (point.values[names[0]!] ?? 0) / (point.values[names[1]!] ?? 1);
          return `<text x="${x(point.size)}" y="${top - 16}" text-anchor="middle" font-size="11">${ratio.toFixed(2)}x</text>`;
        })
      : [];
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<text x="${left}" y="16" font-size="13" font-weight="bold">${escape(title)}</text>`,
    names.length >= 2 ? `<text x="${left}" y="36" font-size="11" fill="#444">${escape(`${names[0]} / ${names[1]} at each size:`)}</text>` : "",
    ...grid,
    `<text x="14" y="${(top + height - bottom) / 2}" transform="rotate(-90 14 ${(top + height - bottom) / 2})" text-anchor="middle">${escape(unit)} (log scale)</text>`,
    `<text x="${(left + width - right) / 2}" y="${height - 10}" text-anchor="middle">bytes per write (log scale)</text>`,
    ...ratios,
    ...series,
    `</svg>`,
  ].join("\n");
}

export interface FdHolder {
  /** e.g. "parent 1234" */
  name: string;
  /** This process's descriptor numbers that lead to the object. */
  fds: readonly number[];
}

/**
 * The three layers under a descriptor, for descriptors that share one open file description
 * (after fork, dup or SCM_RIGHTS): each process's fd table, the one open file description, and
 * the object behind it (a socket, a pipe).
 */
export function sharedDescriptionFigure(holders: readonly FdHolder[], description: string, object: string, note = ""): string {
  const width = 720,
    rowH = 80,
    top = 40;
  const height = top + Math.max(1, holders.length) * rowH + (note ? 30 : 10);
  const midY = top + (holders.length * rowH) / 2 - 10;
  const boxes = holders.flatMap((holder, i) => {
    const y = top + i * rowH;
    const fdRows = holder.fds.map(
      (fd, k) =>
        `<rect x="30" y="${y + 22 + k * 20}" width="150" height="20" fill="#eef" stroke="#557"/>` +
        `<text x="40" y="${y + 36 + k * 20}">fd ${fd}</text>` +
        `<line x1="180" y1="${y + 32 + k * 20}" x2="318" y2="${midY + 20}" stroke="#333" marker-end="url(#arrow)"/>`,
    );
    return [`<text x="30" y="${y + 14}" font-weight="bold">${escape(holder.name)}: fd table</text>`, ...fdRows];
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker></defs>`,
    `<text x="30" y="18" font-size="13" font-weight="bold">per process</text>`,
    `<text x="320" y="18" font-size="13" font-weight="bold">in the kernel, shared</text>`,
    ...boxes,
    `<rect x="320" y="${midY}" width="190" height="40" fill="#ffe9c7" stroke="#a60"/>`,
    `<text x="330" y="${midY + 17}">open file description</text>`,
    `<text x="330" y="${midY + 33}" font-size="11">${escape(description)}</text>`,
    `<line x1="510" y1="${midY + 20}" x2="548" y2="${midY + 20}" stroke="#333" marker-end="url(#arrow)"/>`,
    `<rect x="550" y="${midY}" width="150" height="40" fill="#dff2d8" stroke="#385"/>`,
    `<text x="560" y="${midY + 24}">${escape(object)}</text>`,
    note ? `<text x="30" y="${height - 10}" font-size="11" fill="#444">${escape(note)}</text>` : "",
    `</svg>`,
  ].join("\n");
}
