import {
  pruneUnused,
  selectorMatches,
  splitSelectors,
  usedRules
} from '../src/exportCss';
import {
  applyCarriageReturns,
  buildHtmlDocument,
  escapeHtml,
  exportPath,
  inlineScript,
  isSafeUrl,
  renderOutput,
  renderOutputs,
  sanitizeHtml,
  scriptJson,
  slidesMarkup,
  stripAnsi,
  stripExternalCss,
  stripFontFaces
} from '../src/htmlDocument';

const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

/** Parse a fragment the way the exported page will (inert here: a template). */
function parse(html: string): DocumentFragment {
  const template = document.createElement('template');
  template.innerHTML = html;
  return template.content;
}

describe('escapeHtml', () => {
  it('escapes markup and both quote kinds', () => {
    expect(escapeHtml(`<b a="1" b='2'>&</b>`)).toBe(
      '&lt;b a=&quot;1&quot; b=&#39;2&#39;&gt;&amp;&lt;/b&gt;'
    );
  });
});

describe('sanitizeHtml', () => {
  it('drops scripts, frames, plugins and forms with their content', () => {
    const html = sanitizeHtml(
      '<p>ok</p><script>alert(1)</script><iframe src="https://x"></iframe>' +
        '<object data="x.swf"></object><embed src="x"><form><input value="a"></form>' +
        '<svg><script>alert(2)</script><set attributeName="href" to="javascript:alert(3)"/></svg>'
    );
    const fragment = parse(html);
    expect(fragment.querySelector('p')?.textContent).toBe('ok');
    expect(html).not.toMatch(/script|iframe|object|embed|form|input|<set/i);
  });

  it('removes event handlers and script URLs, keeps safe links and images', () => {
    const html = sanitizeHtml(
      '<img src="x" onerror="alert(1)">' +
        '<a href="javascript:alert(1)">a</a>' +
        '<a href=" JaVa\tScRiPt:alert(1)">b</a>' +
        '<a href="data:text/html,<script>alert(1)</script>">c</a>' +
        '<a href="https://example.org/" target="_blank">d</a>' +
        `<img src="data:image/png;base64,${PNG}">` +
        '<div style="background: url(https://tracker/x.png)">e</div>' +
        '<div style="color: red">f</div>'
    );
    const fragment = parse(html);
    const links = [...fragment.querySelectorAll('a')];
    expect(links.map(a => a.getAttribute('href'))).toEqual([
      null,
      null,
      null,
      'https://example.org/'
    ]);
    expect(links[3].getAttribute('rel')).toBe('noopener noreferrer');
    expect(html).not.toMatch(/onerror|javascript/i);
    const images = [...fragment.querySelectorAll('img')];
    expect(images[1].getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    const divs = [...fragment.querySelectorAll('div')];
    expect(divs[0].hasAttribute('style')).toBe(false);
    expect(divs[1].getAttribute('style')).toBe('color: red');
  });

  it('keeps styles of trusted HTML but without imports or remote URLs', () => {
    const html = sanitizeHtml(
      '<style>@import url(https://x/y.css); td { color: red; background: url(http://x/p.png) }</style><table><td>1</td></table>'
    );
    expect(html).toContain('td { color: red; background: none }');
    expect(html).not.toContain('@import');
  });
});

describe('isSafeUrl', () => {
  it('allows http(s), mailto, relative and fragment links; image data only in src', () => {
    expect(isSafeUrl('https://a.b/c')).toBe(true);
    expect(isSafeUrl('#slide-2')).toBe(true);
    expect(isSafeUrl('pics/a.png', 'src')).toBe(true);
    expect(isSafeUrl('mailto:t@school.org')).toBe(true);
    expect(isSafeUrl('vbscript:x')).toBe(false);
    expect(isSafeUrl('data:image/png;base64,AAAA', 'src')).toBe(true);
    expect(isSafeUrl('data:image/png;base64,AAAA', 'href')).toBe(false);
    expect(isSafeUrl('data:text/html,x', 'src')).toBe(false);
  });
});

describe('renderOutput', () => {
  it('renders streams as escaped text without terminal codes', () => {
    const html = renderOutput(
      {
        output_type: 'stream',
        name: 'stdout',
        text: ['\x1b[31m<b>red</b>\x1b[0m\n', '10%\r50%\r100%\n']
      },
      false
    );
    const pre = parse(html).querySelector('pre');
    expect(pre?.textContent).toBe('<b>red</b>\n100%\n');
    expect(html).toContain('data-mime-type="application/vnd.jupyter.stdout"');
  });

  it('renders errors from their traceback', () => {
    const html = renderOutput(
      {
        output_type: 'error',
        ename: 'ZeroDivisionError',
        evalue: 'division by zero',
        traceback: ['\x1b[0;31mZeroDivisionError\x1b[0m: division by zero']
      },
      true
    );
    expect(parse(html).textContent).toContain(
      'ZeroDivisionError: division by zero'
    );
    expect(html).toContain('application/vnd.jupyter.stderr');
  });

  it('shows images as data URIs, with the size the notebook asked for', () => {
    const html = renderOutput(
      {
        output_type: 'display_data',
        data: { 'image/png': PNG + '\n', 'text/plain': '<Figure>' },
        metadata: { 'image/png': { width: 300 } }
      },
      false
    );
    const img = parse(html).querySelector('img');
    expect(img?.getAttribute('src')).toBe(`data:image/png;base64,${PNG}`);
    expect(img?.getAttribute('width')).toBe('300');
  });

  it('never puts non-base64 image data in an attribute', () => {
    const html = renderOutput(
      {
        output_type: 'display_data',
        data: { 'image/png': '"><script>alert(1)</script>', 'text/plain': 'x' }
      },
      true
    );
    expect(html).not.toContain('<script');
    expect(parse(html).textContent).toBe('x');
  });

  it('uses HTML from trusted cells only (sanitised), else the text fallback', () => {
    const output = {
      output_type: 'execute_result',
      execution_count: 3,
      data: {
        'text/html': '<b>bold</b><script>window.pwned = 1</script>',
        'text/plain': '<IPython.core.display.HTML object>'
      }
    };
    const trusted = renderOutput(output, true);
    expect(parse(trusted).querySelector('b')?.textContent).toBe('bold');
    expect(trusted).not.toContain('script');
    expect(trusted).toContain('[3]:');
    expect(trusted).toContain('jp-OutputArea-executeResult');
    const untrusted = renderOutput(output, false);
    expect(parse(untrusted).querySelector('b')).toBeNull();
    expect(parse(untrusted).textContent).toContain(
      '<IPython.core.display.HTML object>'
    );
  });

  it('shows widgets as their text fallback', () => {
    const html = renderOutputs(
      [
        {
          output_type: 'display_data',
          data: {
            'application/vnd.jupyter.widget-view+json': {
              model_id: 'abc',
              version_major: 2
            },
            'text/plain': 'IntSlider(value=3)'
          }
        }
      ],
      true
    );
    expect(parse(html).textContent).toBe('IntSlider(value=3)');
  });

  it('shows SVG from trusted cells as an image, not as markup', () => {
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>';
    const html = renderOutput(
      { output_type: 'display_data', data: { 'image/svg+xml': svg } },
      true
    );
    expect(html).toMatch(
      /<img src="data:image\/svg\+xml;base64,[A-Za-z0-9+/=]+"/
    );
    expect(
      renderOutput(
        { output_type: 'display_data', data: { 'image/svg+xml': svg } },
        false
      )
    ).toBe('');
  });
});

describe('text helpers', () => {
  it('strips colour codes and keeps the last write of each line', () => {
    expect(stripAnsi('\x1b[1;32mok\x1b[0m \x1b]0;title\x07done')).toBe(
      'ok done'
    );
    expect(applyCarriageReturns('a\rb\r\nc')).toBe('b\nc');
  });

  it('removes every network reference from CSS', () => {
    const css = stripExternalCss(
      '@import "https://fonts.googleapis.com/css?family=Lato";' +
        '@font-face { font-family: A; src: url(fonts/a.woff2) }' +
        '@font-face { font-family: B; src: url(data:font/woff2;base64,AAAA) }' +
        '.x { background: url("../img/bg.png") no-repeat; mask: url(data:image/svg+xml;base64,AA) }'
    );
    expect(css).not.toMatch(/googleapis|a\.woff2|bg\.png/);
    expect(css).toContain('font-family: B');
    expect(css).toContain('background: none no-repeat');
    expect(css).toContain('url(data:image/svg+xml;base64,AA)');
    expect(stripFontFaces(css)).not.toContain('@font-face');
  });
});

describe('slidesMarkup', () => {
  it('nests subslides, marks fragments and keeps notes as asides', () => {
    const html = slidesMarkup([
      { subslides: [{ steps: ['<p>one</p>'], notes: '<p>say hi</p>' }] },
      {
        subslides: [
          { steps: ['<p>a</p>', '<p>b</p>', '<p>c</p>'], notes: '' },
          { steps: ['<p>sub</p>'], notes: '' }
        ]
      }
    ]);
    const root = document.createElement('div');
    root.innerHTML = html;
    const top = root.querySelectorAll(':scope > section');
    expect(top).toHaveLength(2);
    expect(top[1].querySelectorAll(':scope > section')).toHaveLength(2);
    expect(root.querySelectorAll('.fragment')).toHaveLength(2);
    expect(root.querySelector('aside.notes')?.textContent).toBe('say hi');
  });
});

describe('buildHtmlDocument', () => {
  const options = {
    title: 'Lesson <1> & "quotes"',
    revealJs:
      'var s = "</script><script>alert(1)</script>"; window.Reveal = {};',
    revealCss: '.reveal { color: black }',
    labCss: ':root { --jp-layout-color0: white }',
    pageCss: 'body { margin: 0 }',
    slides: slidesMarkup([
      { subslides: [{ steps: ['<p>hi</p>'], notes: '' }] }
    ]),
    config: { transition: 'fade', note: '</script><b>' },
    bodyAttributes: {
      'data-jp-theme-light': 'true',
      onload: 'alert(1)'
    },
    footer: '<b>ClassLab</b> "demo"'
  };

  it('assembles one page: styles, slides, reveal.js and its configuration', () => {
    const html = buildHtmlDocument(options);
    const doc = new DOMParser().parseFromString(html, 'text/html');
    expect(doc.title).toBe('Lesson <1> & "quotes"');
    expect(doc.querySelectorAll('style')).toHaveLength(3);
    expect(doc.querySelectorAll('.reveal > .slides > section')).toHaveLength(1);
    // Every script is one of ours, whole: the inlined source cannot close its element early.
    const scripts = [...doc.querySelectorAll('script')];
    expect(scripts).toHaveLength(3);
    expect(scripts[0].textContent).toContain('window.Reveal = {}');
    const config = JSON.parse(
      doc.getElementById('classlab-reveal-config')!.textContent!
    );
    expect(config).toEqual(options.config);
    expect(scripts[2].textContent).toContain('Reveal.initialize');
    // Body attributes: data-* only; the footer is plain text.
    expect(doc.body.getAttribute('data-jp-theme-light')).toBe('true');
    expect(doc.body.hasAttribute('onload')).toBe(false);
    expect(doc.querySelector('.jp-ClassLabSlides-footer')?.textContent).toBe(
      'ClassLab "demo"'
    );
    expect(doc.querySelector('.jp-ClassLabSlides-footer b')).toBeNull();
  });

  it('escapes script and JSON text for inlining', () => {
    expect(inlineScript('a = "</SCRIPT>" + "<!--"')).toBe(
      'a = "<\\/SCRIPT>" + "<\\!--"'
    );
    expect(scriptJson({ a: '</script>' })).toBe(
      '{"a":"\\u003c/script\\u003e"}'
    );
  });
});

describe('exportPath', () => {
  it('puts the file next to the notebook', () => {
    expect(exportPath('lessons/week 1/deck.ipynb')).toBe(
      'lessons/week 1/deck.slides.html'
    );
    expect(exportPath('deck.ipynb')).toBe('deck.slides.html');
  });
});

describe('CSS collection', () => {
  it('splits selector lists at top-level commas only', () => {
    expect(splitSelectors('.a, .b:is(.c, .d) > e,[x=","]')).toEqual([
      '.a',
      '.b:is(.c, .d) > e',
      '[x=","]'
    ]);
  });

  it('keeps rules that select something in the slides (ignoring :hover), and :root', () => {
    const root = document.createElement('div');
    root.innerHTML =
      '<div class="jp-Cell jp-CodeCell"><div class="jp-InputArea"><pre>x</pre></div></div>';
    document.body.appendChild(root);
    const style = document.createElement('style');
    style.textContent = `
      :root { --jp-layout-color0: white; }
      .jp-CodeCell .jp-InputArea { display: flex; }
      .jp-CodeCell:hover .jp-InputArea { outline: 1px solid; }
      .jp-FileBrowser { color: red; }
      @media print { .jp-Cell { break-inside: avoid; } .jp-Launcher { x: y; } }
      @media print { .jp-Launcher { x: y; } }
    `;
    document.head.appendChild(style);
    const rules = usedRules(style.sheet!.cssRules, root).join('\n');
    expect(rules).toContain('--jp-layout-color0');
    expect(rules).toContain('display: flex');
    expect(rules).toContain('outline');
    expect(rules).not.toContain('FileBrowser');
    expect(rules).toContain('break-inside');
    expect(rules).not.toContain('jp-Launcher');
    expect(selectorMatches('.jp-Cell::before', root)).toBe(true);
    expect(selectorMatches('.jp-Nope', root)).toBe(false);
    style.remove();
    root.remove();
  });

  it('drops :root variables and keyframes nothing uses', () => {
    const kept = pruneUnused(
      [
        ':root { --a: var(--b); --b: red; --icon: url(data:image/svg+xml;base64,AA;BB); --unused: 1px; color-scheme: light; }',
        '.x { color: var(--a); animation: spin 1s; }',
        '@keyframes spin { from { opacity: 0 } }',
        '@keyframes Toastify__bounce { from { opacity: 0 } }'
      ],
      '<div style="background: var(--c)"></div>'
    );
    expect(kept[0]).toBe(
      ':root { --a: var(--b); --b: red; color-scheme: light; }'
    );
    expect(kept).toContain('@keyframes spin { from { opacity: 0 } }');
    expect(kept.join()).not.toContain('Toastify');
    expect(
      pruneUnused([
        ':root { --icon: url(data:x;y); }',
        '.i { mask: var(--icon) }'
      ])[0]
    ).toBe(':root { --icon: url(data:x;y); }');
  });
});
