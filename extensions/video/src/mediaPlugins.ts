/**
 * Plugins that show the player outside video cells: the `application/vnd.classlab.video+json` output renderer
 * and the `.m3u8` document viewer. Both register synchronously; the player module loads on first render.
 */
import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import type { Contents } from '@jupyterlab/services';
import { IStateDB } from '@jupyterlab/statedb';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';

// The renderer factory and the document factory are created at activation (they are the extension points).
// eslint-disable-next-line jupyter/prefer-lazy-imports
import {
  CONTENT_PROVIDER_ID,
  createRendererFactory,
  HLS_FILE_TYPE,
  HlsDocumentFactory,
  IPlayerServices,
  metadataOnlyProvider,
  PLAYER_FACTORY
} from './rendered';

function services(
  app: JupyterFrontEnd,
  translator: ITranslator | null,
  state: IStateDB | null
): IPlayerServices {
  return {
    baseUrl: app.serviceManager.serverSettings.baseUrl,
    trans: (translator ?? nullTranslator).load('classlab_video'),
    state
  };
}

/**
 * Notebook outputs of type `application/vnd.classlab.video+json` render as the player (or say why the spec was
 * refused).
 */
export const videoRendererPlugin: JupyterFrontEndPlugin<void> = {
  id: '@classlab/video:renderer',
  description:
    'Renders application/vnd.classlab.video+json outputs (classlab_bridge.Video) as the video player.',
  autoStart: true,
  optional: [IRenderMimeRegistry, ITranslator, IStateDB],
  activate: (
    app: JupyterFrontEnd,
    rendermime: IRenderMimeRegistry | null,
    translator: ITranslator | null,
    state: IStateDB | null
  ): void => {
    rendermime?.addFactory(
      createRendererFactory(services(app, translator, state))
    );
  }
};

/** `.m3u8` files open in the player from the file browser. */
export const hlsViewerPlugin: JupyterFrontEndPlugin<void> = {
  id: '@classlab/video:hls-viewer',
  description:
    'Opens HLS playlists (.m3u8) from the file browser in the video player.',
  autoStart: true,
  optional: [ITranslator, IStateDB],
  activate: (
    app: JupyterFrontEnd,
    translator: ITranslator | null,
    state: IStateDB | null
  ): void => {
    const registry = app.docRegistry;
    if (!registry) {
      return;
    }
    const shared = services(app, translator, state);
    // The server's drive (ContentsManager.defaultDrive); without it the playlist text loads, which is harmless.
    const drive = (
      app.serviceManager.contents as { defaultDrive?: Contents.IDrive }
    ).defaultDrive;
    const providers = drive?.contentProviderRegistry;
    providers?.register(CONTENT_PROVIDER_ID, metadataOnlyProvider(drive!));
    registry.addFileType({
      name: HLS_FILE_TYPE,
      displayName: shared.trans.__('HLS video stream'),
      extensions: ['.m3u8'],
      mimeTypes: ['application/vnd.apple.mpegurl', 'application/x-mpegurl'],
      contentType: 'file',
      fileFormat: 'text'
    });
    registry.addWidgetFactory(
      new HlsDocumentFactory(
        {
          name: PLAYER_FACTORY,
          label: shared.trans.__('Video Player'),
          fileTypes: [HLS_FILE_TYPE],
          defaultFor: [HLS_FILE_TYPE],
          readOnly: true,
          translator: translator ?? nullTranslator,
          ...(providers ? { contentProviderId: CONTENT_PROVIDER_ID } : {})
        },
        shared
      )
    );
  }
};
