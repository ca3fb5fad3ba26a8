/** The table of a resource type: its name lowercased (`patient`, `accesspolicy`); history in `<table>_history`. */
export function tableName(resourceType: string): string {
  return resourceType.toLowerCase();
}
