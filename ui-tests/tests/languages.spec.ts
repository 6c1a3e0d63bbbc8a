/**
 * Languages: JupyterLab's own language setting (Settings → Language, the `locale` of
 * `@jupyterlab/translation-extension:plugin`) switches all five ClassLab extensions. In Chinese (zh_CN, with the
 * jupyterlab-language-pack-zh-CN pack installed), then back in English, each extension's main surface is opened —
 * the slideshow, a video cell with chapters, the Help requests panel (and a failing cell's chip), the GPU panel, the
 * grader panel — and a few of its visible strings are checked in that language (the Chinese taken from the zh_CN
 * catalogs). A screenshot of each surface in each language goes to `artifacts/lang-<feature>-<en|zh>.png`.
 *
 * The language is a user setting on the server that every browser test shares: it is written through the real
 * settings API (what the Language menu writes, no Galata settings mock) and the value found before is put back in
 * `afterAll`, however the tests end.
 */
import * as path from 'path';
import type { APIRequestContext, Locator } from '@playwright/test';
import type {
  IJupyterLabPageFixture as Page,
  JupyterLabPage
} from '@jupyterlab/galata';

import { expect, test } from '../fixtures';
import { ARTIFACTS, REPO } from '../harness';
import { ensureTestMedia } from '../media';
import { changesTheLanguage, setLanguage } from '../language';
import { DECK } from '../slides';

type Language = 'zh' | 'en';
const LOCALE: Record<Language, string> = { zh: 'zh_CN', en: 'en' };

changesTheLanguage();

// Each test loads JupyterLab, a notebook and its kernel: slow on a busy 2-core machine.
test.describe.configure({ timeout: 150_000 });

/** Settings → Language → 中文 or English: the setting the Language menu writes, then a (re)load of JupyterLab. */
async function useLanguage(
  page: Page,
  request: APIRequestContext,
  baseURL: string,
  language: Language
): Promise<void> {
  await setLanguage(request, baseURL, LOCALE[language]);
  // Loaded with Playwright's own navigation: on a busy machine JupyterLab can take longer to start than Galata's
  // goto waits for (15 s).
  const raw = (page as unknown as JupyterLabPage).page;
  await raw.goto(`${baseURL}/lab`, { waitUntil: 'domcontentloaded' });
  await raw.waitForFunction(
    async () => {
      const app = (window as any).jupyterapp;
      if (typeof app !== 'object') {
        return false;
      }
      // Plugins activated, then the workspace restored (the splash may show up only while it restores).
      await app.started;
      await app.restored;
      return true;
    },
    null,
    { timeout: 90_000 }
  );
  await raw
    .locator('#jupyterlab-splash')
    .waitFor({ state: 'detached', timeout: 90_000 });
  // JupyterLab itself follows: its View menu.
  await expect(
    page.locator('.lm-MenuBar-item', {
      hasText: language === 'zh' ? '查看' : 'View'
    })
  ).toBeVisible({ timeout: 30_000 });
}

/** Open a notebook by command (the file browser's labels change with the language); wait for its kernel. */
async function openNotebook(page: Page, file: string): Promise<Locator> {
  await page.evaluate(
    path =>
      (window as any).jupyterapp.commands.execute('docmanager:open', { path }),
    file
  );
  const panel = page.locator('.jp-NotebookPanel:visible');
  await expect(panel.locator('.jp-Cell').first()).toBeVisible();
  // Its kernel start moves the focus: wait for it before keys or panels.
  await page.waitForFunction(() => {
    const widget = (window as any).jupyterapp.shell.currentWidget;
    return widget?.sessionContext?.session?.kernel?.status === 'idle';
  });
  return panel;
}

async function command(page: Page, id: string): Promise<void> {
  await page.evaluate(
    id => (window as any).jupyterapp.commands.execute(id),
    id
  );
}

function notebook(cells: unknown[], metadata: unknown = {}): string {
  return JSON.stringify({
    cells,
    metadata: {
      kernelspec: {
        name: 'python3',
        display_name: 'Python 3 (ipykernel)',
        language: 'python'
      },
      ...(metadata as object)
    },
    nbformat: 4,
    nbformat_minor: 5
  });
}

/** A teacher's source notebook with one ClassLab question (as in grader.spec.ts). */
function graderSource(): string {
  return notebook(
    [
      {
        cell_type: 'markdown',
        id: 'intro',
        metadata: {},
        source: '# Adding up'
      },
      {
        cell_type: 'code',
        id: 'answer',
        metadata: {
          classlab: {
            grader: {
              question: 'q1',
              title: { en: 'Add up', zh_CN: '加起来' },
              checks: [
                {
                  id: 'total',
                  kind: 'value',
                  name: 'total',
                  expected: 55,
                  points: 1,
                  visibility: 'visible'
                }
              ]
            }
          }
        },
        source: 'total = sum(range(1, 11))',
        outputs: [],
        execution_count: null
      }
    ],
    { classlab: { grader: { assignment: 'lang-adding' } } }
  );
}

const shot = (feature: string, language: Language) =>
  path.join(ARTIFACTS, `lang-${feature}-${language}.png`);

for (const language of ['zh', 'en'] as Language[]) {
  /** The English string or its Chinese from the catalog, in the language of this round. */
  const t = (en: string, zh: string) => (language === 'zh' ? zh : en);

  test.describe(`in ${language === 'zh' ? 'Chinese' : 'English'}`, () => {
    test(`slides (${language})`, async ({
      page,
      request,
      baseURL,
      tmpPath
    }) => {
      await useLanguage(page, request, baseURL!, language);
      await page.contents.uploadFile(
        path.join(REPO, 'examples', 'slides-demo.ipynb'),
        `${tmpPath}/deck.ipynb`
      );
      const panel = await openNotebook(page, `${tmpPath}/deck.ipynb`);
      // Slide-type badges on the cells.
      const cells = panel.locator('.jp-Notebook .jp-Cell');
      await expect(cells.nth(0)).toHaveAttribute(
        'data-classlab-slide-label',
        t('Slide', '幻灯片')
      );
      await expect(cells.nth(1)).toHaveAttribute(
        'data-classlab-slide-label',
        t('Notes', '备注')
      );
      // The toolbar button's tooltip.
      await expect(
        panel.locator('.jp-NotebookPanel-toolbar').getByRole('button', {
          name: t(
            'Show the current notebook as a slideshow (Alt+R)',
            '把当前笔记本作为幻灯片放映 (Alt+R)'
          )
        })
      ).toBeVisible();

      await command(page, 'classlab-slides:present');
      await expect(page.locator(`${DECK}.jp-mod-ready`)).toBeVisible();
      // The deck's tab.
      await expect(
        page.locator('.lm-DockPanel-tabBar .lm-TabBar-tab.jp-mod-current')
      ).toContainText(t('deck.ipynb (slides)', 'deck.ipynb（幻灯片）'));
      // The overview (O): every slide, and a box to go to one.
      await page.locator(DECK).focus();
      await page.keyboard.press('o');
      const overview = page.locator('.jp-ClassLabSlides-overview');
      await expect(overview).toBeVisible();
      await expect(overview).toHaveAttribute(
        'aria-label',
        t('All slides', '所有幻灯片')
      );
      await expect(overview.locator('input')).toHaveAttribute(
        'placeholder',
        t(
          'Slide number or words, then Enter',
          '输入幻灯片编号或文字，然后按 Enter'
        )
      );
      await page.screenshot({ path: shot('slides', language) });
    });

    test(`video (${language})`, async ({ page, request, baseURL, tmpPath }) => {
      const media = ensureTestMedia(tmpPath);
      await useLanguage(page, request, baseURL!, language);
      await page.contents.uploadContent(
        notebook([
          {
            cell_type: 'markdown',
            id: 'intro',
            metadata: {},
            source: '# Lesson'
          },
          {
            cell_type: 'markdown',
            id: 'video',
            metadata: {
              classlab: {
                video: {
                  kind: 'file',
                  src: media.mp4,
                  title: 'Test clip',
                  chapters: [
                    { time: 0, title: 'Start' },
                    {
                      time: 1,
                      title: 'Practice',
                      cell: 'practice',
                      checkpoint: true
                    }
                  ]
                }
              }
            },
            source: `[▶ Test clip](${media.mp4})`
          },
          {
            cell_type: 'code',
            id: 'practice',
            metadata: {},
            execution_count: null,
            outputs: [],
            source: "print('practice done')"
          }
        ]),
        'text',
        `${tmpPath}/lesson.ipynb`
      );
      await openNotebook(page, `${tmpPath}/lesson.ipynb`);
      const view = page.locator('.jp-ClassLabVideo-cellView');
      await expect(view.locator('video')).toBeVisible();
      const chapters = view.locator('.jp-ClassLabVideo-chapter');
      await expect(chapters).toHaveCount(2);
      await expect(chapters.nth(1)).toContainText(
        t('Practice stop', '练习暂停点')
      );
      await expect(
        chapters.nth(1).getByRole('button', { name: t('Try it', '试一试') })
      ).toBeVisible();
      await expect(
        view.getByRole('button', { name: t('Chapters…', '章节…') })
      ).toBeVisible();
      await expect(
        view.getByRole('button', { name: '2×', exact: true })
      ).toHaveAttribute('title', t('Play at 2× speed', '以 2 倍速播放'));
      await page.screenshot({ path: shot('video', language) });
    });

    test(`help (${language})`, async ({ page, request, baseURL, tmpPath }) => {
      await useLanguage(page, request, baseURL!, language);
      await page.contents.uploadContent(
        notebook([
          {
            cell_type: 'code',
            id: 'failing',
            metadata: {},
            execution_count: null,
            outputs: [],
            source: 'print(undefined_name)'
          }
        ]),
        'text',
        `${tmpPath}/help.ipynb`
      );
      const panel = await openNotebook(page, `${tmpPath}/help.ipynb`);
      // The kernel is really connected once the debugger button is enabled (an "idle" kernel may not be yet).
      await expect(page.locator('.jp-DebuggerBugButton')).toBeEnabled();
      await command(page, 'notebook:run-cell');
      const chip = panel
        .locator('.jp-Cell')
        .first()
        .locator('.jp-classlab-help-chip');
      await expect(chip).toHaveText(t('Ask for help', '求助'));

      await command(page, 'classlab-help:open-requests');
      const requests = page.locator('.jp-classlab-help-panel');
      await expect(requests).toBeVisible();
      await expect(requests).toContainText(t('Help requests', '求助列表'));
      await expect(requests.locator('select option').first()).toHaveText(
        t('Newest first', '最新的在前')
      );
      await page.screenshot({ path: shot('help', language) });
    });

    test(`gpu (${language})`, async ({ page, request, baseURL, tmpPath }) => {
      await useLanguage(page, request, baseURL!, language);
      await page.contents.uploadContent(
        notebook([
          {
            cell_type: 'code',
            id: 'train',
            metadata: {},
            execution_count: null,
            outputs: [],
            source: "print('training')"
          }
        ]),
        'text',
        `${tmpPath}/gpu.ipynb`
      );
      await openNotebook(page, `${tmpPath}/gpu.ipynb`);
      await command(page, 'classlab-gpu:open-panel');
      const panel = page.locator('#classlab-gpu-panel');
      await expect(panel).toBeVisible();
      await expect(panel).toContainText(t('GPU jobs', 'GPU 任务'));
      await expect(panel).toContainText(t('Your GPU time', '你的 GPU 时间'));
      await expect(panel).toContainText(
        t(
          'This is your GPU time for the whole term.',
          '这是你整个学期的 GPU 时间。'
        )
      );
      await page.screenshot({ path: shot('gpu', language) });
    });

    test(`grader (${language})`, async ({
      page,
      request,
      baseURL,
      tmpPath
    }) => {
      await useLanguage(page, request, baseURL!, language);
      await page.contents.uploadContent(
        graderSource(),
        'text',
        `${tmpPath}/adding.ipynb`
      );
      await openNotebook(page, `${tmpPath}/adding.ipynb`);
      await command(page, 'classlab-grader:open-panel');
      const panel = page.locator('#classlab-grader-panel');
      await expect(panel).toBeVisible();
      await expect(panel.locator('.jp-classlab-grader-title')).toHaveText(
        t('Grader', '评分')
      );
      await expect(
        panel.locator('.jp-classlab-grader-releaseButton')
      ).toHaveText(t('Release to Students', '发布给学生'));
      await expect(panel).toContainText(
        t(
          'This is a teacher’s notebook with grader cells.',
          '这是带有评分单元格的老师笔记本。'
        )
      );
      await page.screenshot({ path: shot('grader', language) });
    });
  });
}
