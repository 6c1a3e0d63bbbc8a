/**
 * The pure parts of the standalone HTML export: escaping, sanitising untrusted HTML, rendering notebook outputs
 * statically, stripping network references from CSS, and assembling one self-contained reveal.js document.
 *
 * Notebook content is untrusted: every text is escaped, every HTML fragment goes through `sanitizeHtml` (no
 * scripts, event handlers, frames or non-http(s) links), and rich HTML outputs are used only from trusted cells.
 */

/** Escape text for HTML element content and (double- or single-quoted) attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Terminal colour and cursor codes (tracebacks, progress bars), which a static page shows as garbage. */
export function stripAnsi(text: string): string {
  return text
    .replace(/\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g, '') // OSC (titles, links)
    .replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '') // CSI (colours, cursor)
    .replace(/\x1b[@-Z\\-_]/g, '');
}

/** What a terminal would show for text with carriage returns: each line keeps what was written last. */
export function applyCarriageReturns(text: string): string {
  return text
    .split('\n')
    .map(line => {
      const parts = line.replace(/\r+$/, '').split('\r');
      return parts[parts.length - 1];
    })
    .join('\n');
}

/** Elements dropped with their content: scripts, frames, plugins, forms, and document-level elements. */
const DROPPED_ELEMENTS = new Set([
  'script',
  'noscript',
  'iframe',
  'frame',
  'frameset',
  'object',
  'embed',
  'applet',
  'portal',
  'base',
  'meta',
  'link',
  'template',
  'form',
  'input',
  'button',
  'select',
  'textarea',
  'dialog',
  // SVG animation can set an href to javascript: after sanitising.
  'animate',
  'set',
  'animatemotion',
  'animatetransform',
  'handler',
  'listener'
]);

/** Attributes that hold a URL. */
const URL_ATTRIBUTES = new Set([
  'href',
  'xlink:href',
  'src',
  'action',
  'formaction',
  'poster',
  'background',
  'lowsrc',
  'dynsrc',
  'data',
  'codebase',
  'cite',
  'longdesc',
  'ping',
  'manifest'
]);

/**
 * Whether a URL may stay in the exported page: http(s), mailto, fragment and relative links; `data:` only for
 * raster and SVG images in `src` (an image cannot run script).
 */
export function isSafeUrl(value: string, attribute = 'href'): boolean {
  // Browsers ignore control characters and whitespace inside the scheme ("java\tscript:").
  const url = value.replace(/[\u0000-\u0020\u007f-\u009f]/g, '').toLowerCase();
  const scheme = /^([a-z][a-z0-9+.-]*):/.exec(url)?.[1];
  if (scheme === undefined) {
    return true; // relative, fragment, or no scheme at all
  }
  if (['http', 'https', 'mailto'].includes(scheme)) {
    return true;
  }
  return (
    scheme === 'data' &&
    attribute === 'src' &&
    /^data:image\/(png|jpe?g|gif|webp|bmp|avif|svg\+xml)[;,]/.test(url)
  );
}

/** Whether an inline `style` value can load something or run script (old IE `expression`, `url(http…)`). */
function unsafeStyle(style: string): boolean {
  const value = style.toLowerCase();
  return (
    /expression\s*\(|javascript:|behavior\s*:|-moz-binding/.test(value) ||
    /url\s*\(\s*['"]?(?!data:image\/)/.test(value) ||
    /@import/.test(value)
  );
}

/** Remove everything that can run script or load from the network (except http(s) images and links). */
export function sanitizeElement(root: Element | DocumentFragment): void {
  const doomed: Element[] = [];
  const walk = (node: Element) => {
    if (DROPPED_ELEMENTS.has(node.localName.toLowerCase())) {
      doomed.push(node);
      return;
    }
    for (const attribute of [...node.attributes]) {
      const name = attribute.name.toLowerCase();
      if (
        name.startsWith('on') ||
        name === 'srcdoc' ||
        name === 'srcset' ||
        name === 'contenteditable' ||
        name === 'formaction' ||
        name === 'is' ||
        (URL_ATTRIBUTES.has(name) &&
          !isSafeUrl(attribute.value, name === 'src' ? 'src' : 'href')) ||
        (name === 'style' && unsafeStyle(attribute.value))
      ) {
        node.removeAttribute(attribute.name);
      }
    }
    if (node.localName === 'a' && node.getAttribute('target')) {
      node.setAttribute('rel', 'noopener noreferrer');
    }
    if (node.localName === 'style') {
      node.textContent = stripExternalCss(node.textContent ?? '');
    }
    for (const child of [...node.children]) {
      walk(child);
    }
  };
  for (const child of [...root.children]) {
    walk(child);
  }
  if (root instanceof Element) {
    // The root itself keeps its tag, but not its handlers.
    for (const attribute of [...root.attributes]) {
      if (attribute.name.toLowerCase().startsWith('on')) {
        root.removeAttribute(attribute.name);
      }
    }
  }
  for (const node of doomed) {
    node.remove();
  }
}

/** Sanitise an HTML fragment (parsed inert: nothing loads or runs while it is cleaned). */
export function sanitizeHtml(html: string): string {
  const template = document.createElement('template');
  template.innerHTML = html;
  sanitizeElement(template.content);
  return template.innerHTML;
}

/**
 * CSS for a page that must open offline: no `@import`, no web fonts loaded by URL, and every `url()` that is not
 * a data URI replaced by `none` (the declaration then has no image, instead of a request).
 */
export function stripExternalCss(css: string): string {
  return css
    .replace(/@import\s+[^;]*;/gi, '')
    .replace(/@font-face\s*{[^}]*}/gi, block =>
      /url\(\s*['"]?(?!data:)/i.test(block) ? '' : block
    )
    .replace(/url\(\s*(['"]?)(?!data:)[^)'"]*\1\s*\)/gi, 'none');
}

/** The same, and web fonts embedded as data too (reveal themes embed megabytes of them): system fonts instead. */
export function stripFontFaces(css: string): string {
  return stripExternalCss(css).replace(/@font-face\s*{[^}]*}/gi, '');
}

// --- Outputs ------------------------------------------------------------------------------------------------

/** A notebook output as nbformat stores it (only the fields the export reads). */
export interface IExportOutput {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  execution_count?: number | null;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}

const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];

function joined(value: unknown): string | null {
  if (typeof value === 'string') {
    return value;
  }
  if (Array.isArray(value) && value.every(part => typeof part === 'string')) {
    return value.join('');
  }
  return null;
}

function textBlock(text: string, mime: string, extraClass = ''): string {
  const cleaned = escapeHtml(applyCarriageReturns(stripAnsi(text)));
  return (
    `<div class="jp-RenderedText jp-OutputArea-output${extraClass}" data-mime-type="${escapeHtml(mime)}">` +
    `<pre>${cleaned}</pre></div>`
  );
}

/** The image size a notebook asked for in output metadata (`{"image/png": {"width": 300}}`). */
function imageSize(
  metadata: Record<string, unknown> | undefined,
  mime: string
) {
  const own = metadata?.[mime];
  const sizes = (typeof own === 'object' && own !== null ? own : {}) as Record<
    string,
    unknown
  >;
  let attributes = '';
  for (const key of ['width', 'height']) {
    const value = sizes[key];
    if (typeof value === 'number' && Number.isFinite(value) && value > 0) {
      attributes += ` ${key}="${Math.round(value)}"`;
    }
  }
  return attributes;
}

/**
 * A mime bundle rendered statically, best representation first: images as data URIs; HTML (sanitised) and SVG
 * only when `trusted`; everything else, widgets included, as its `text/plain` fallback.
 */
export function renderMimeBundle(
  data: Record<string, unknown>,
  metadata: Record<string, unknown> | undefined,
  trusted: boolean
): string {
  if (trusted) {
    const html = joined(data['text/html']);
    if (html !== null) {
      return (
        '<div class="jp-RenderedHTMLCommon jp-RenderedHTML jp-OutputArea-output" data-mime-type="text/html">' +
        `${sanitizeHtml(html)}</div>`
      );
    }
  }
  const svg = joined(data['image/svg+xml']);
  if (svg !== null && trusted) {
    // As an image (not inline markup): an SVG in <img> cannot run script or load anything.
    const uri = `data:image/svg+xml;base64,${toBase64(svg)}`;
    return (
      '<div class="jp-RenderedSVG jp-OutputArea-output" data-mime-type="image/svg+xml">' +
      `<img src="${uri}" alt=""${imageSize(metadata, 'image/svg+xml')}></div>`
    );
  }
  for (const mime of IMAGE_TYPES) {
    const raw = joined(data[mime]);
    if (raw === null) {
      continue;
    }
    const base64 = raw.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) {
      continue; // not base64: never put it in an attribute
    }
    return (
      `<div class="jp-RenderedImage jp-OutputArea-output" data-mime-type="${mime}">` +
      `<img src="data:${mime};base64,${base64}" alt=""${imageSize(metadata, mime)}></div>`
    );
  }
  const plain = joined(data['text/plain']);
  if (plain !== null) {
    return textBlock(plain, 'text/plain');
  }
  for (const mime of ['text/markdown', 'text/latex', 'application/json']) {
    const value = data[mime];
    const text =
      joined(value) ??
      (mime === 'application/json' && value !== undefined
        ? JSON.stringify(value, null, 2)
        : null);
    if (text !== null) {
      return textBlock(text, 'text/plain');
    }
  }
  return '';
}

/** One output as the notebook shows it (prompt, then the rendered output). */
export function renderOutput(output: IExportOutput, trusted: boolean): string {
  let body = '';
  let prompt = '';
  let childClass = 'jp-OutputArea-child';
  switch (output.output_type) {
    case 'stream': {
      const stderr = output.name === 'stderr';
      body = textBlock(
        joined(output.text) ?? '',
        stderr
          ? 'application/vnd.jupyter.stderr'
          : 'application/vnd.jupyter.stdout'
      );
      break;
    }
    case 'error': {
      const traceback = output.traceback?.length
        ? output.traceback.join('\n')
        : `${output.ename ?? 'Error'}: ${output.evalue ?? ''}`;
      body = textBlock(traceback, 'application/vnd.jupyter.stderr');
      break;
    }
    case 'execute_result':
    case 'display_data':
    case 'update_display_data': {
      body = renderMimeBundle(output.data ?? {}, output.metadata, trusted);
      if (output.output_type === 'execute_result') {
        childClass += ' jp-OutputArea-executeResult';
        const count = output.execution_count;
        prompt = typeof count === 'number' ? `[${count}]:` : '';
      }
      break;
    }
    default:
      return '';
  }
  if (!body) {
    return '';
  }
  return (
    `<div class="${childClass}"><div class="jp-OutputPrompt jp-OutputArea-prompt">` +
    `${escapeHtml(prompt)}</div>${body}</div>`
  );
}

/** All outputs of a cell. */
export function renderOutputs(
  outputs: readonly IExportOutput[],
  trusted: boolean
): string {
  return outputs.map(output => renderOutput(output, trusted)).join('');
}

/** UTF-8 text as base64 (btoa alone takes Latin-1 only). */
export function toBase64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

// --- Slides and the document ---------------------------------------------------------------------------------

/** One subslide: the HTML of each step (step 0 shows on arrival, the others are fragments) and its notes. */
export interface IExportSubslide {
  steps: string[];
  /** HTML of the speaker notes (already sanitised), or '' for none. */
  notes: string;
}

export interface IExportSlide {
  subslides: IExportSubslide[];
}

/** reveal.js structure: a `<section>` per slide, nested ones per subslide, `.fragment` steps, notes as asides. */
export function slidesMarkup(slides: readonly IExportSlide[]): string {
  return slides
    .map(slide => {
      const subslides = slide.subslides
        .map(sub => {
          const steps = sub.steps
            .map(
              (html, f) =>
                `<div class="jp-ClassLabSlides-step${f > 0 ? ' fragment' : ''}">${html}</div>`
            )
            .join('');
          const notes = sub.notes
            ? `<aside class="notes">${sub.notes}</aside>`
            : '';
          return `<section class="jp-ClassLabSlides-slide" data-prevent-swipe>${steps}${notes}</section>`;
        })
        .join('');
      return `<section>${subslides}</section>`;
    })
    .join('\n');
}

/** Text for an inline `<script>`: no `</script` or `<!--` can end or confuse the element. */
export function inlineScript(source: string): string {
  return source.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

/** Text for an inline `<style>`. */
export function inlineStyle(css: string): string {
  return css.replace(/<\/(style)/gi, '<\\/$1');
}

/** JSON that can sit inside a `<script>` element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export interface IHtmlDocumentOptions {
  /** Page title (plain text). */
  title: string;
  /** Language of the page (`lang` attribute). */
  lang?: string;
  /** reveal.js's UMD build (`dist/reveal.js`), which defines `window.Reveal`. */
  revealJs: string;
  /** `reveal.css`. */
  revealCss: string;
  /** A reveal.js theme, when the notebook asks for one. */
  themeCss?: string;
  /** The JupyterLab rules the cells use. */
  labCss: string;
  /** The export's own layout rules. */
  pageCss: string;
  /** `slidesMarkup(...)`. */
  slides: string;
  /** reveal.js configuration (plain JSON). */
  config: Record<string, unknown>;
  /** Attributes for `<body>` (JupyterLab's `data-jp-theme-*`, which theme rules select on). */
  bodyAttributes?: Record<string, string>;
  /** RISE header and footer, plain text. */
  header?: string;
  footer?: string;
}

/** The whole page: one file, no external resources. */
export function buildHtmlDocument(options: IHtmlDocumentOptions): string {
  const attributes = Object.entries(options.bodyAttributes ?? {})
    .filter(([name]) => /^data-[a-z0-9-]+$/.test(name))
    .map(([name, value]) => ` ${name}="${escapeHtml(value)}"`)
    .join('');
  const overlay = (part: 'header' | 'footer', text?: string) =>
    text
      ? `<div class="jp-ClassLabSlides-${part}">${escapeHtml(text.replace(/<[^>]*>/g, ''))}</div>`
      : '';
  const styles = [
    options.revealCss,
    options.themeCss ?? '',
    options.labCss,
    options.pageCss
  ]
    .filter(Boolean)
    .map(css => `<style>\n${inlineStyle(css)}\n</style>`)
    .join('\n');
  return `<!DOCTYPE html>
<html lang="${escapeHtml(options.lang ?? 'en')}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="ClassLab Slides">
<title>${escapeHtml(options.title)}</title>
${styles}
</head>
<body class="jp-ClassLabSlides-exported"${attributes}>
<div class="reveal">
<div class="slides">
${options.slides}
</div>
</div>
${overlay('header', options.header)}${overlay('footer', options.footer)}
<script>
${inlineScript(options.revealJs)}
</script>
<script type="application/json" id="classlab-reveal-config">${scriptJson(options.config)}</script>
<script>
Reveal.initialize(JSON.parse(document.getElementById('classlab-reveal-config').textContent));
</script>
</body>
</html>
`;
}

/** The saved file's path: next to the notebook, `<name>.slides.html`. */
export function exportPath(notebookPath: string): string {
  const slash = notebookPath.lastIndexOf('/');
  const dir = notebookPath.slice(0, slash + 1);
  const base = notebookPath.slice(slash + 1).replace(/\.ipynb$/i, '');
  return `${dir}${base}.slides.html`;
}
