/**
 * The two places a player shows up outside video cells: a notebook output of MIME type
 * `application/vnd.classlab.video+json` (`from classlab_bridge import Video`), and a `.m3u8` file opened from the
 * file browser. Both are light shells: the player module (and hls.js) load when one is first rendered.
 */
import { PathExt } from '@jupyterlab/coreutils';
import {
  ABCWidgetFactory,
  DocumentRegistry,
  DocumentWidget,
  IDocumentWidget
} from '@jupyterlab/docregistry';
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import type { Contents } from '@jupyterlab/services';
import type { IStateDB } from '@jupyterlab/statedb';
import type { TranslationBundle } from '@jupyterlab/translation';
import { PanelLayout, Widget } from '@lumino/widgets';

import { isError, parseVideoSpec } from './spec';
import { VIDEO_MIME_TYPE } from './tokens';
import type { IVideoPlayer, IVideoSpec } from './tokens';

/** What renderers and document widgets need from the plugin. */
export interface IPlayerServices {
  /** The Jupyter server's base URL. */
  baseUrl: string;
  trans: TranslationBundle;
  state: IStateDB | null;
}

/** Id of the content provider that opens `.m3u8` files without loading the playlist into the model. */
export const CONTENT_PROVIDER_ID = 'classlab-video';
/** Name of the `.m3u8` file type and of the player widget factory. */
export const HLS_FILE_TYPE = 'classlab-hls';
export const PLAYER_FACTORY = 'ClassLab Video Player';

/** Renders an error box: what was refused and why (text only). */
export function errorBox(message: string): HTMLElement {
  const box = document.createElement('div');
  box.className = 'jp-ClassLabVideo-error';
  box.setAttribute('role', 'alert');
  box.textContent = message;
  return box;
}

async function createPlayer(
  spec: IVideoSpec,
  notebookDir: string,
  trusted: boolean,
  services: IPlayerServices
): Promise<IVideoPlayer> {
  const { VideoPlayer } = await import('./player');
  return new VideoPlayer({
    spec,
    location: { baseUrl: services.baseUrl, notebookDir },
    trans: services.trans,
    state: services.state,
    trusted
  });
}

/**
 * A notebook output `application/vnd.classlab.video+json`: the player, or an error box with the parser's
 * message when the spec is refused (a `javascript:` source, say).
 */
export class RenderedVideo extends Widget implements IRenderMime.IRenderer {
  constructor(
    options: IRenderMime.IRendererOptions,
    services: IPlayerServices
  ) {
    super();
    this._services = services;
    this._resolver = options.resolver;
    this.addClass('jp-ClassLabVideo-output');
    this.layout = new PanelLayout();
  }

  /** The player, once rendered (null for a refused spec). */
  get player(): IVideoPlayer | null {
    return this._player;
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    let raw: unknown = model.data[VIDEO_MIME_TYPE];
    if (typeof raw === 'string') {
      try {
        raw = JSON.parse(raw);
      } catch {
        // parseVideoSpec says it is not an object.
      }
    }
    const parsed = parseVideoSpec(raw);
    this._player?.dispose();
    this._player = null;
    this._error?.remove();
    this._error = null;
    const trans = this._services.trans;
    if (isError(parsed)) {
      this._error = errorBox(
        trans.__('This video cannot be shown: %1', parsed.error)
      );
      this.node.appendChild(this._error);
      return;
    }
    const player = await createPlayer(
      parsed.spec,
      this._notebookDir(),
      model.trusted,
      this._services
    );
    if (this.isDisposed) {
      player.dispose();
      return;
    }
    this._player = player;
    (this.layout as PanelLayout).addWidget(player);
  }

  dispose(): void {
    this._player = null;
    super.dispose();
  }

  /** The notebook's folder, from the output's URL resolver (the notebook path). */
  private _notebookDir(): string {
    const path = (this._resolver as { path?: unknown } | null)?.path;
    if (typeof path !== 'string') {
      return '';
    }
    return PathExt.dirname(path.replace(/^[^/:]+:/, ''));
  }

  private _services: IPlayerServices;
  private _resolver: IRenderMime.IResolver | null;
  private _player: IVideoPlayer | null = null;
  private _error: HTMLElement | null = null;
}

/** The MIME renderer factory for video outputs. Safe: the DOM is built from the validated spec only. */
export function createRendererFactory(
  services: IPlayerServices
): IRenderMime.IRendererFactory {
  return {
    safe: true,
    mimeTypes: [VIDEO_MIME_TYPE],
    defaultRank: 40,
    createRenderer: options => new RenderedVideo(options, services)
  };
}

/** The body of a `.m3u8` document: the player for that file. */
export class HlsDocument extends Widget {
  constructor(context: DocumentRegistry.Context, services: IPlayerServices) {
    super();
    this.addClass('jp-ClassLabVideo-document');
    this.layout = new PanelLayout();
    void context.ready.then(async () => {
      const localPath = context.localPath.replace(/^[^/:]+:/, '');
      const parsed = parseVideoSpec({
        src: PathExt.basename(localPath),
        kind: 'hls',
        title: PathExt.basename(localPath)
      });
      if (isError(parsed)) {
        this.node.appendChild(
          errorBox(
            services.trans.__('This video cannot be shown: %1', parsed.error)
          )
        );
        return;
      }
      const player = await createPlayer(
        parsed.spec,
        PathExt.dirname(localPath),
        false,
        services
      );
      if (this.isDisposed) {
        player.dispose();
        return;
      }
      this._player = player;
      (this.layout as PanelLayout).addWidget(player);
    });
  }

  /** The player, once the document is ready. */
  get player(): IVideoPlayer | null {
    return this._player;
  }

  private _player: IVideoPlayer | null = null;
}

/** Opens `.m3u8` files in the player. */
export class HlsDocumentFactory extends ABCWidgetFactory<
  IDocumentWidget<HlsDocument>
> {
  constructor(
    options: DocumentRegistry.IWidgetFactoryOptions<
      IDocumentWidget<HlsDocument>
    >,
    services: IPlayerServices
  ) {
    super(options);
    this._services = services;
  }

  protected createNewWidget(
    context: DocumentRegistry.Context
  ): IDocumentWidget<HlsDocument> {
    const content = new HlsDocument(context, this._services);
    const widget = new DocumentWidget({ content, context });
    widget.addClass('jp-ClassLabVideo-documentWidget');
    return widget;
  }

  private _services: IPlayerServices;
}

/**
 * The content provider of `.m3u8` documents: the file's metadata only (`content: false`), so the playlist is
 * not read into a text model; the player fetches it itself.
 */
export function metadataOnlyProvider(drive: Contents.IDrive): {
  get: Contents.IDrive['get'];
  save: Contents.IDrive['save'];
} {
  return {
    get: (path, options) => {
      // eslint-disable-next-line @typescript-eslint/no-unused-vars
      const { contentProviderId, ...rest } = options ?? {};
      return drive.get(path, { ...rest, content: false, hash: false });
    },
    save: (path, options) => {
      // eslint-disable-next-line @typescript-eslint/no-unused-vars
      const { contentProviderId, ...rest } = options ?? {};
      return drive.save(path, rest);
    }
  };
}
