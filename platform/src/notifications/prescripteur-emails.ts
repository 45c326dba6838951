/**
 * The prescripteur (a partner who booked online for an usager) gets a confirmation of
 * the rdv they made (seed 001). It tells them what they need to tell the usager — when,
 * what, where, whom to call — and nothing of the usager but the name they typed
 * themselves: no self-service link, which is the usager's own.
 */
import type { Platform } from '../platform';
import type { PrescripteurIdentity } from '../booking/rdv.entity';
import { senderAddress, shortEmailParts } from './mail';
import type { MailMessage } from './mailer';
import { frenchDateTime } from './merge-fields';
import type { RdvSnapshot, SnapshotUser } from './rdv-snapshot';

export function prescripteurConfirmationEmail(
  platform: Platform,
  snapshot: RdvSnapshot,
  prescripteur: PrescripteurIdentity,
  usager: Pick<SnapshotUser, 'first_name' | 'last_name'>,
): MailMessage {
  const when = frenchDateTime(snapshot.starts_at, snapshot.timezone);
  const usagerName = `${usager.first_name} ${usager.last_name}`;
  const { organisation } = snapshot;
  const contact = [organisation.phone_number, organisation.email].filter(Boolean).join(' – ');
  const lines: Array<[string, string]> = [
    ['Usager', usagerName],
    ['Date', when],
    ['Motif', snapshot.motif.name],
    ...(snapshot.lieu ? ([['Lieu', `${snapshot.lieu.name}, ${snapshot.lieu.address}`]] as Array<[string, string]>) : []),
    ['Organisation', contact ? `${organisation.name} (${contact})` : organisation.name],
  ];
  return {
    from: senderAddress(platform, organisation.name),
    to: { name: `${prescripteur.first_name} ${prescripteur.last_name}`, address: prescripteur.email },
    subject: `Rendez-vous confirmé pour ${usagerName} le ${when}`,
    ...shortEmailParts({
      greeting: `Bonjour ${prescripteur.first_name} ${prescripteur.last_name},`,
      paragraphs: [
        `Le rendez-vous que vous avez pris pour ${usagerName} auprès de ${organisation.name} est confirmé.`,
        "L'usager reçoit lui aussi sa confirmation, puis un rappel, s'il a donné une adresse e-mail ou un numéro de mobile. Pour changer ou annuler ce rendez-vous, contactez l'organisation.",
      ],
      lines,
    }),
  };
}
