import { escapeHtml } from './escape-html';
import type { Theme } from './load-theme';
import { renderPage } from './render-page';

export interface PatientChoice {
  id: string;
  label: string;
}

export interface PatientPickerPage {
  theme: Theme;
  csrf: string;
  clientName: string;
  hidden: Record<string, string>;
  patients: PatientChoice[];
  error?: string;
}

/**
 * SMART standalone launch with launch/patient: the person chooses whose record the app opens,
 * among the patients they may read (or by id). A plain form: radio buttons with labels, no script.
 */
export function renderPatientPickerPage(page: PatientPickerPage): string {
  const hidden = Object.entries(page.hidden).map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`).join('\n');
  const options = page.patients
    .map((patient, index) => `<label class="scope"><input type="radio" name="patient" value="${escapeHtml(patient.id)}"${index === 0 ? ' checked' : ''}><span>${escapeHtml(patient.label)}<small><code>Patient/${escapeHtml(patient.id)}</code></small></span></label>`)
    .join('\n');
  const error = page.error ? `<p class="error" role="alert">${escapeHtml(page.error)}</p>` : '';
  return renderPage({
    heading: 'Choose a patient',
    theme: page.theme,
    body: `<p class="muted"><strong>${escapeHtml(page.clientName)}</strong> will open this patient's record.</p>${error}
<form method="post" action="/auth/authorize">
<input type="hidden" name="csrf" value="${escapeHtml(page.csrf)}">
${hidden}
<fieldset><legend>Patients you can see</legend>
${options || '<p class="muted">You cannot see any patient.</p>'}
</fieldset>
<button type="submit" name="decision" value="patient">Continue</button>
</form>`,
  });
}
