import servicesSchema from '../../../schemas/config/services.json';

/** The preset services (slug and name), read from the `services` configuration schema: one list. */
export const SERVICE_CATALOGUE: { id: string; name: string }[] = servicesSchema.$defs.service.oneOf.map(
  (option) => ({ id: option.const, name: option.title }),
);

export function serviceName(slug: string): string {
  return SERVICE_CATALOGUE.find((service) => service.id === slug)?.name ?? slug;
}
