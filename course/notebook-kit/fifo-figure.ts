// The figure of chapter 09: the states of a FIFO (which ends are open) and what each open() and
// close() does to them. Drawing code only, kept out of the notebook so that its cells stay short.

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

const escape = (text: string): string => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function state(box: Box, title: string, note: string, fill: string): string {
  return `<rect x="${box.x}" y="${box.y}" width="${box.w}" height="${box.h}" rx="12" fill="${fill}" stroke="#333"/>
<text x="${box.x + box.w / 2}" y="${box.y + 28}" text-anchor="middle" font-size="15" font-weight="bold">${escape(title)}</text>
<text x="${box.x + box.w / 2}" y="${box.y + 50}" text-anchor="middle" font-size="12">${escape(note)}</text>`;
}

/** An arrow from (x1,y1) to (x2,y2) with up to two lines of label at (lx,ly). */
function arrow(x1: number, y1: number, x2: number, y2: number, label: string[], lx: number, ly: number, colour = "#333", anchor = "middle"): string {
  const lines = label.map((line, i) => `<tspan x="${lx}" dy="${i === 0 ? 0 : 14}">${escape(line)}</tspan>`).join("");
  return `<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="${colour}" stroke-width="1.6" marker-end="url(#head-${colour.slice(1)})"/>
<text x="${lx}" y="${ly}" text-anchor="${anchor}" font-size="12" fill="${colour}">${lines}</text>`;
}

/** The FIFO open state machine as an SVG string, for tslab.display.svg(). */
export function fifoOpenFigure(): string {
  const none: Box = { x: 20, y: 165, w: 190, h: 64 };
  const readers: Box = { x: 340, y: 40, w: 210, h: 64 };
  const writers: Box = { x: 340, y: 300, w: 210, h: 64 };
  const both: Box = { x: 670, y: 165, w: 190, h: 64 };
  const heads = ["333", "2e7d32", "c62828", "1565c0"]
    .map((c) => `<marker id="head-${c}" markerWidth="10" markerHeight="8" refX="9" refY="4" orient="auto"><path d="M0,0 L10,4 L0,8 z" fill="#${c}"/></marker>`)
    .join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="880" height="440" font-family="sans-serif">
<defs>${heads}</defs>
<text x="440" y="20" text-anchor="middle" font-size="15">A FIFO's state is which ends are open; open() may wait for the other end</text>
${state(none, "no end open", "a file of type p, no buffer", "#eeeeee")}
${state(readers, "readers only", "read(): 0 bytes, no writer", "#e3f2fd")}
${state(writers, "writers only", "write(): EPIPE (SIGPIPE)", "#ffebee")}
${state(both, "both ends open", "bytes flow, 64 KiB buffer", "#e8f5e9")}
${arrow(150, 165, 340, 85, ["open(O_RDONLY | O_NONBLOCK)", "returns at once"], 190, 105, "#2e7d32")}
${arrow(210, 205, 670, 205, ["open(O_RDONLY) or open(O_WRONLY), no O_NONBLOCK:", "sleeps in the kernel until the other end opens"], 440, 225, "#1565c0")}
${arrow(550, 95, 690, 165, ["any open for writing:", "at once; wakes sleeping readers"], 650, 110, "#2e7d32", "start")}
${arrow(700, 165, 550, 60, ["last writer closes:", "read() returns 0 (EOF)"], 640, 50, "#333", "start")}
${arrow(700, 229, 550, 330, ["last reader closes"], 650, 300, "#c62828", "start")}
${arrow(550, 310, 680, 229, ["open for reading:", "at once"], 470, 278, "#2e7d32", "start")}
${arrow(115, 229, 115, 330, ["open(O_WRONLY | O_NONBLOCK)"], 125, 285, "#c62828", "start")}
<rect x="20" y="330" width="190" height="40" rx="8" fill="#ffcdd2" stroke="#c62828"/>
<text x="115" y="355" text-anchor="middle" font-size="13">fails: ENXIO, nothing opens</text>
<text x="440" y="405" text-anchor="middle" font-size="12">From any state, when the last descriptor closes the buffer is freed and its bytes are lost; the file stays until unlink().</text>
<text x="440" y="425" text-anchor="middle" font-size="12">open(O_RDWR) opens both ends at once (Linux; POSIX leaves it undefined).</text>
</svg>`;
}
