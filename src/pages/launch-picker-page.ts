import { escapeHtml } from './escape-html';
import type { Theme } from './load-theme';
import { renderPage } from './render-page';

export interface LaunchChoice {
  id: string;
  label: string;
}

export interface LaunchPickerPage {
  /** What is chosen: a patient, or one of the chosen patient's encounters. */
  kind: 'patient' | 'encounter';
  theme: Theme;
  csrf: string;
  clientName: string;
  hidden: Record<string, string>;
  choices: LaunchChoice[];
  error?: string;
}

const WORDS = {
  patient: { heading: 'Choose a patient', opens: 'this patient’s record', legend: 'Patients you can see', none: 'You cannot see any patient.', type: 'Patient' },
  encounter: { heading: 'Choose a visit', opens: 'the record of this visit', legend: 'Visits of this patient you can see', none: 'You cannot see any visit of this patient.', type: 'Encounter' },
};

/**
 * SMART standalone launch with launch/patient (then launch/encounter): the person chooses whose
 * record — and which visit — the app opens, among those they may read. A plain form: labelled
 * radio buttons, no script.
 */
export function renderLaunchPickerPage(page: LaunchPickerPage): string {
  const words = WORDS[page.kind];
  const hidden = Object.entries(page.hidden).map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`).join('\n');
  const options = page.choices
    .map((choice, index) => `<label class="scope"><input type="radio" name="${page.kind}" value="${escapeHtml(choice.id)}"${index === 0 ? ' checked' : ''}><span>${escapeHtml(choice.label)}<small><code>${words.type}/${escapeHtml(choice.id)}</code></small></span></label>`)
    .join('\n');
  const error = page.error ? `<p class="error" role="alert">${escapeHtml(page.error)}</p>` : '';
  return renderPage({
    heading: words.heading,
    theme: page.theme,
    body: `<p class="muted"><strong>${escapeHtml(page.clientName)}</strong> will open ${words.opens}.</p>${error}
<form method="post" action="/auth/authorize">
<input type="hidden" name="csrf" value="${escapeHtml(page.csrf)}">
${hidden}
<fieldset><legend>${words.legend}</legend>
${options || `<p class="muted">${words.none}</p>`}
</fieldset>
<button type="submit" name="decision" value="${page.kind}">Continue</button>
</form>`,
  });
}
