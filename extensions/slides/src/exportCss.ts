/**
 * The CSS an exported deck needs: of every rule JupyterLab has loaded (stylesheets and CodeMirror's adopted
 * sheets), only those that select something in the exported slides, plus the theme variables on `:root`.
 * JupyterLab loads megabytes of CSS; the cells use a small part of it.
 */
import { stripExternalCss } from './htmlDocument';

/** Pseudo-classes that depend on interaction or state, and pseudo-elements: dropped before matching. */
const DYNAMIC_PSEUDO =
  /::?(?:before|after|first-line|first-letter|marker|placeholder|selection|backdrop|file-selector-button|-webkit-[\w-]+|-moz-[\w-]+|-ms-[\w-]+)|:(?:hover|focus-within|focus-visible|focus|active|visited|link|any-link|target|checked|disabled|enabled|indeterminate|placeholder-shown|autofill|-webkit-autofill|default|valid|invalid|in-range|out-of-range|required|optional|read-only|read-write|fullscreen|modal|popover-open|open|closed|user-invalid|user-valid|playing|paused)(?![\w-])/g;

/** Split a selector list at its top-level commas (not those inside `:is(a, b)`). */
export function splitSelectors(selectorText: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < selectorText.length; i++) {
    const ch = selectorText[i];
    if (ch === '(' || ch === '[') {
      depth++;
    } else if (ch === ')' || ch === ']') {
      depth--;
    } else if (ch === ',' && depth === 0) {
      parts.push(selectorText.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(selectorText.slice(start).trim());
  return parts.filter(Boolean);
}

/** Whether a selector (any of a list) selects `root` or an element inside it, ignoring interaction state. */
export function selectorMatches(selectorText: string, root: Element): boolean {
  for (const selector of splitSelectors(selectorText)) {
    if (/(^|[\s,(>+~]):root\b/.test(selector)) {
      return true;
    }
    const stripped = selector.replace(DYNAMIC_PSEUDO, '').trim();
    if (!stripped || /[>+~]$/.test(stripped)) {
      continue;
    }
    try {
      if (root.matches(stripped) || root.querySelector(stripped)) {
        return true;
      }
    } catch {
      // A selector this browser cannot parse (vendor syntax): not needed.
    }
  }
  return false;
}

/** The text of the rules of `rules` that `root` uses (grouping rules recursively). */
export function usedRules(rules: CSSRuleList, root: Element): string[] {
  const kept: string[] = [];
  for (const rule of [...rules]) {
    const text = rule.cssText;
    if (rule instanceof CSSStyleRule) {
      if (selectorMatches(rule.selectorText, root)) {
        kept.push(text);
      }
    } else if (text.startsWith('@import')) {
      const sheet = (rule as CSSImportRule).styleSheet;
      if (sheet) {
        kept.push(...usedRules(safeRules(sheet), root));
      }
    } else if (/^@(-webkit-)?keyframes\b|^@property\b/.test(text)) {
      kept.push(text);
    } else if (text.startsWith('@font-face')) {
      if (!/url\(\s*['"]?(?!data:)/i.test(text)) {
        kept.push(text);
      }
    } else if ('cssRules' in rule) {
      // @media, @supports, @layer blocks, @container: keep the block if anything in it is used.
      const inner = usedRules((rule as CSSGroupingRule).cssRules, root);
      if (inner.length) {
        kept.push(
          `${text.slice(0, text.indexOf('{'))}{\n${inner.join('\n')}\n}`
        );
      }
    } else if (text.startsWith('@layer')) {
      kept.push(text); // a layer order statement
    }
  }
  return kept;
}

function safeRules(sheet: CSSStyleSheet): CSSRuleList {
  try {
    return sheet.cssRules;
  } catch {
    return [] as unknown as CSSRuleList; // a cross-origin sheet cannot be read (and is not ours)
  }
}

/**
 * The used rules of every sheet of `doc` (document order, then adopted sheets), with network references
 * removed. `skip` leaves out sheets the export inlines itself; `alsoUses` is other CSS of the page, whose
 * variables are kept too.
 */
export function collectUsedCss(
  doc: Document,
  root: Element,
  skip: (sheet: CSSStyleSheet) => boolean = () => false,
  alsoUses = ''
): string {
  const sheets: CSSStyleSheet[] = [
    ...[...doc.styleSheets],
    ...((doc as Document & { adoptedStyleSheets?: CSSStyleSheet[] })
      .adoptedStyleSheets ?? [])
  ];
  const out: string[] = [];
  for (const sheet of sheets) {
    if (!sheet.disabled && !skip(sheet)) {
      out.push(...usedRules(safeRules(sheet), root));
    }
  }
  return stripExternalCss(
    pruneUnused(out, root.innerHTML + alsoUses).join('\n')
  );
}

/** Split a declaration block at its top-level semicolons (not those in `url(data:…;base64,…)` or strings). */
function declarations(block: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote = '';
  let start = 0;
  for (let i = 0; i < block.length; i++) {
    const ch = block[i];
    if (quote) {
      if (ch === quote && block[i - 1] !== '\\') {
        quote = '';
      }
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    } else if (ch === '(') {
      depth++;
    } else if (ch === ')') {
      depth--;
    } else if (ch === ';' && depth === 0) {
      parts.push(block.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(block.slice(start).trim());
  return parts.filter(Boolean);
}

/**
 * Drop what nothing uses: custom properties on `:root` that no kept rule (or the markup's inline styles)
 * reads, directly or through another variable — JupyterLab defines hundreds, icons as data URIs among them —
 * and `@keyframes` no kept rule animates with.
 */
export function pruneUnused(rules: readonly string[], markup = ''): string[] {
  interface IRootRule {
    selector: string;
    items: { name: string; text: string }[];
  }
  const roots = new Map<number, IRootRule>();
  rules.forEach((text, i) => {
    const open = text.indexOf('{');
    const selector = text.slice(0, open);
    // Only flat `:root` rules (one block) are rewritten.
    if (
      open < 0 ||
      !selector.includes(':root') ||
      text.indexOf('{', open + 1) >= 0 ||
      !text.trimEnd().endsWith('}')
    ) {
      return;
    }
    const body = text.slice(open + 1, text.lastIndexOf('}'));
    roots.set(i, {
      selector: selector.trim(),
      items: declarations(body).map(item => ({
        name: item.slice(0, item.indexOf(':')).trim(),
        text: item
      }))
    });
  });
  const definitions = new Map<string, string[]>();
  for (const rule of roots.values()) {
    for (const item of rule.items) {
      if (item.name.startsWith('--')) {
        definitions.set(item.name, [
          ...(definitions.get(item.name) ?? []),
          item.text
        ]);
      }
    }
  }
  const used = new Set<string>();
  const pending: string[] = [];
  const scan = (text: string) => {
    for (const match of text.matchAll(/var\(\s*(--[\w-]+)/g)) {
      if (!used.has(match[1])) {
        used.add(match[1]);
        pending.push(match[1]);
      }
    }
  };
  rules.forEach((text, i) => {
    const root = roots.get(i);
    if (root) {
      root.items
        .filter(item => !item.name.startsWith('--'))
        .forEach(item => scan(item.text));
    } else {
      scan(text);
    }
  });
  scan(markup);
  while (pending.length) {
    for (const text of definitions.get(pending.pop()!) ?? []) {
      scan(text.slice(text.indexOf(':') + 1));
    }
  }
  const animated = rules
    .filter(text => !/^@(-webkit-)?keyframes\b/.test(text))
    .join('\n');
  const kept: string[] = [];
  rules.forEach((text, i) => {
    const root = roots.get(i);
    const keyframes = /^@(?:-webkit-)?keyframes\s+([\w-]+)/.exec(text);
    if (root) {
      const items = root.items.filter(
        item => !item.name.startsWith('--') || used.has(item.name)
      );
      if (items.length) {
        kept.push(
          `${root.selector} { ${items.map(item => item.text).join('; ')}; }`
        );
      }
    } else if (keyframes) {
      if (
        new RegExp(`animation[\\w-]*\\s*:[^;}]*\\b${keyframes[1]}\\b`).test(
          animated
        )
      ) {
        kept.push(text);
      }
    } else {
      kept.push(text);
    }
  });
  return kept;
}
