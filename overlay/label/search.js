// The label picker's type-ahead, pure (no DOM): which labels match what the player typed. Every word
// must appear in the label or its description ('cold call' finds cog_sb_coldcaller, 'sell' every
// Sellbot); an exact label comes first.

/** The labels ({label, description}) matching `q`, exact label first; all of them for an empty query. */
export function matches(labels, q) {
  const words = q.toLowerCase().split(/[\s_·]+/).filter(Boolean);
  if (words.length === 0) return labels;
  const exact = labels.filter((l) => l.label === q.toLowerCase());
  const rest = labels.filter((l) => {
    const hay = `${l.label} ${l.description}`.toLowerCase().replace(/[^a-z0-9 ]/g, ' ');
    const compact = hay.replace(/ /g, '');
    return l.label !== q.toLowerCase() && words.every((w) => hay.includes(w) || compact.includes(w));
  });
  return [...exact, ...rest];
}
