/** How pages name an application: its SMART name, its name, or its id. */
export const clientName = (client: { id: string; resource: Record<string, unknown> }) =>
  String((client.resource.smart as { name?: string } | undefined)?.name ?? client.resource.name ?? client.id);
