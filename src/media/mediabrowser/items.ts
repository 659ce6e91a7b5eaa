// Item titles for activity-log downloads: the log's sentences are in the server's language, the items are not.
// `GET /Items?ids=a,b` with the server's API key: Jellyfin's ItemsController.GetItems (10.10 – 12.0) accepts an API
// key without a userId ("if api key is used … `user` will be null") and answers a QueryResult of BaseItemDto with
// only the items it still has; Emby 4.8–4.9's OpenAPI documents `Ids` on the same route. Titles are cosmetic: a
// failed read leaves the entries to their sentence instead of failing the download read.
import type { HttpClient } from '../http.ts';
import { itemKey, parseItemTitles } from './mappers.ts';

/** Ids per request: 50 Guids keep the query well under common URL limits (8 KB). */
const IDS_PER_REQUEST = 50;

/** Titles by itemKey, read in batches and kept for the life of one client (one cycle). */
export class ItemTitles {
  private readonly known = new Map<string, string | null>();

  constructor(private readonly http: HttpClient) {}

  async titlesFor(ids: readonly string[]): Promise<Map<string, string>> {
    const missing = ids.filter((id) => !this.known.has(itemKey(id)));
    for (let i = 0; i < missing.length; i += IDS_PER_REQUEST) {
      const batch = missing.slice(i, i + IDS_PER_REQUEST);
      try {
        const titles = parseItemTitles(
          await this.http.json({
            path: '/Items',
            query: { ids: batch.join(','), enableImages: false, enableUserData: false },
          }),
        );
        for (const id of batch) this.known.set(itemKey(id), titles.get(itemKey(id)) ?? null);
      } catch {
        // Left unknown: the next cycle asks again, and this one uses the sentences.
      }
    }
    const found = new Map<string, string>();
    for (const id of ids) {
      const title = this.known.get(itemKey(id));
      if (title) found.set(itemKey(id), title);
    }
    return found;
  }
}
