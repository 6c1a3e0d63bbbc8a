import { MimeModel } from '@jupyterlab/rendermime';
import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { createRendererFactory, RenderedVideo } from '../src/rendered';
import { VIDEO_MIME_TYPE } from '../src/tokens';
import { installMediaStubs, uninstallMediaStubs } from './mediaStubs';

const services = {
  baseUrl: '/base/',
  trans: nullTranslator.load('classlab_video'),
  state: null
};

function render(data: unknown, path = 'lessons/week1/intro.ipynb') {
  const factory = createRendererFactory(services);
  const renderer = factory.createRenderer({
    mimeType: VIDEO_MIME_TYPE,
    sanitizer: {} as any,
    resolver: { path } as any,
    linkHandler: null,
    latexTypesetter: null
  }) as RenderedVideo;
  Widget.attach(renderer, document.body);
  const model = new MimeModel({
    data: { [VIDEO_MIME_TYPE]: data as any },
    trusted: false
  });
  return { renderer, done: renderer.renderModel(model) };
}

const shimmedObserver = (window as any).IntersectionObserver;
beforeAll(() => {
  installMediaStubs();
  delete (window as any).IntersectionObserver;
});
afterAll(() => {
  uninstallMediaStubs();
  (window as any).IntersectionObserver = shimmedObserver;
});

describe('the application/vnd.classlab.video+json renderer', () => {
  it('is a safe renderer for the video MIME type, preferred over HTML', () => {
    const factory = createRendererFactory(services);
    expect(factory.safe).toBe(true);
    expect(factory.mimeTypes).toEqual([VIDEO_MIME_TYPE]);
    expect(factory.defaultRank).toBeLessThan(50);
  });

  it('renders the player, with media next to the notebook', async () => {
    const { renderer, done } = render({
      src: 'lecture.mp4',
      title: 'Loops'
    });
    await done;
    await new Promise(resolve => setTimeout(resolve, 0));
    const video = renderer.node.querySelector('video')!;
    expect(video.getAttribute('src')).toBe(
      '/base/classlab/media/lessons/week1/lecture.mp4'
    );
    expect(renderer.player?.spec.title).toBe('Loops');
    renderer.dispose();
    expect(video.isConnected).toBe(false);
  });

  it('shows the refusal instead of a player for a javascript: source', async () => {
    const { renderer, done } = render({ src: 'javascript:alert(1)' });
    await done;
    expect(renderer.player).toBeNull();
    expect(renderer.node.querySelector('video')).toBeNull();
    const box = renderer.node.querySelector('.jp-ClassLabVideo-error')!;
    expect(box.getAttribute('role')).toBe('alert');
    expect(box.textContent).toBe(
      'This video cannot be shown: "javascript:" URLs are not allowed for media; use an http:, https: or relative URL.'
    );
    renderer.dispose();
  });

  it('reads a spec given as a JSON string, and refuses non-objects', async () => {
    const ok = render(JSON.stringify({ src: 'a.mp4' }));
    await ok.done;
    expect(ok.renderer.player).not.toBeNull();
    ok.renderer.dispose();
    const bad = render('not json');
    await bad.done;
    expect(bad.renderer.node.textContent).toMatch(/must be a JSON object/);
    bad.renderer.dispose();
  });
});
