import { ConfigStore } from '../configuration/store';
import { route } from '../http/route';
import { SERVICE_CATALOGUE } from './catalogue';

/** The slugs of the services the current territory has enabled. */
export async function enabledServices(store: ConfigStore): Promise<string[]> {
  const { document } = await store.current('services');
  return (document.enabled as string[]) ?? [];
}

export const serviceRoutes = [
  route({
    method: 'get', path: '/api/v1/services', tag: 'services', access: 'agent',
    summary: 'Services enabled in the territory',
    async handle({ platform }) {
      const enabled = new Set(await enabledServices(new ConfigStore(platform.schemas)));
      return { data: SERVICE_CATALOGUE.filter((service) => enabled.has(service.id)) };
    },
  }),
  route({
    method: 'get', path: '/api/v1/services/catalogue', tag: 'services', access: 'agent',
    summary: 'Every preset service a territory may enable',
    async handle() {
      return { data: SERVICE_CATALOGUE };
    },
  }),
];
