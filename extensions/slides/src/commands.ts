/**
 * Command ids of @classlab/slides (`classlab-slides:<verb>`).
 */
export namespace CommandIDs {
  /** Present the current notebook as slides, or leave the slideshow. */
  export const present = 'classlab-slides:present';
  /** Next slide or fragment. */
  export const next = 'classlab-slides:next';
  /** Previous slide or fragment. */
  export const previous = 'classlab-slides:previous';
  /** Leave the slideshow, back at the cell of the current slide. */
  export const exit = 'classlab-slides:exit';
  /** Run the cell in the slide and stay on the slide. */
  export const runCell = 'classlab-slides:run-cell';
  /** Open the speaker window: current and next slide, notes, timer. */
  export const speakerView = 'classlab-slides:speaker-view';
  /** Export the deck to PDF: one page per slide, through the print dialog. */
  export const exportPdf = 'classlab-slides:export-pdf';
  /** Export the deck to one standalone HTML file next to the notebook (`<name>.slides.html`). */
  export const exportHtml = 'classlab-slides:export-html';
  /** Projector text size: one step bigger. */
  export const textBigger = 'classlab-slides:text-bigger';
  /** Projector text size: one step smaller. */
  export const textSmaller = 'classlab-slides:text-smaller';
  /** Set the slide type of the selected cells (`args.type`). */
  export const setSlideType = 'classlab-slides:set-slide-type';
  /** Every slide by number and title; pick one to go there. */
  export const overview = 'classlab-slides:overview';
  /** Type a slide number or words from its title, then Enter. */
  export const goTo = 'classlab-slides:go-to-slide';
  /** The deck fills the screen (JupyterLab dialogs stay usable). */
  export const fullscreen = 'classlab-slides:fullscreen';
  /** Pen on or off: the pointer draws on the slide (kept per slide while the deck is open). */
  export const togglePen = 'classlab-slides:toggle-pen';
  /** Laser pointer on or off: a red dot with a short trail follows the pointer. */
  export const toggleLaser = 'classlab-slides:toggle-laser';
  /** Turn pen or laser off (Escape while one is on). */
  export const stopDrawing = 'classlab-slides:stop-drawing';
  /** Erase the drawing on the current slide. */
  export const clearDrawing = 'classlab-slides:clear-drawing';
  /** Leave the cell editor so the slideshow keys work again. */
  export const leaveEditor = 'classlab-slides:leave-editor';
}
