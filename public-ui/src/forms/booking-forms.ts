import common from '../../../schemas/api/common.json';
import onlineBooking from '../../../schemas/api/public.rdv.json';
import { publicApi } from '../api/public';
import { FormSchema } from './schema-form';

/** What an online booking asks: the usager's identity (the territory's public form) and, for a prescripteur, theirs. */
export interface BookingForms {
  user: FormSchema;
  prescripteur: FormSchema;
}

/**
 * The prescripteur's identity is a part of the booking body's schema, bundled from
 * schemas/ at build time (it is the same for every territory); the usager's form
 * is the territory's, fetched.
 */
export async function loadBookingForms(slug: string): Promise<BookingForms> {
  const form = await publicApi.userForm(slug);
  return {
    user: FormSchema.standalone(form.schema, form.ui_schema),
    prescripteur: FormSchema.fromFiles([common, onlineBooking], 'api/public.rdv.json#/properties/prescripteur'),
  };
}
