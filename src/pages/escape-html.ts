/** Text for HTML content and attribute values: the five characters that could end or open markup. */
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
