/**
 * The SMART Style document `smart_style_url` points at (scopes-and-launch-context.html §SMART App
 * Styling): the look of our own sign-in pages (src/pages/render-page.ts), so a launched app can
 * match them. Dimensions are in px, as the specification's example gives them, from the pages' rem
 * at the browsers' default 16px. The URL is the version key of this content (the spec: a new URL
 * when the contents change), so a change here needs a new URL too.
 */
export const SMART_STYLE = Object.freeze({
  color_background: '#f5f6f8',
  color_error: '#b3261e',
  color_highlight: '#1f5fbf',
  // The pages' text colour at half opacity: dims the page without hiding it.
  color_modal_backdrop: 'rgba(29, 35, 48, 0.5)',
  // The pages show no success state; a green that reads on white (5.3:1, above WCAG 1.4.3's 4.5:1).
  color_success: '#1e7b34',
  color_text: '#1d2330',
  dim_border_radius: '5px',
  dim_font_size: '16px',
  dim_spacing_size: '16px',
  font_family_body: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  font_family_heading: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
});
