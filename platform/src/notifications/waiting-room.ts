/**
 * Salle d'attente: what the territory's `waiting_room` settings ask when an agent
 * marks an usager as arrived. `screen`: the admin UI of the rdv's agents shows it
 * (it reads the settings here); `email`: the rdv's agents are emailed, except the
 * one who marked the arrival (they already know).
 */
import { ConfigStore } from '../configuration/store';
import { route } from '../http/route';
import type { Platform } from '../platform';
import { agentArrivalEmail } from './agent-emails';
import type { Outgoing } from './delivery';
import { platformMail } from './mail';
import type { RdvSnapshot } from './rdv-snapshot';
import { maskEmail } from './receipts';

export const WAITING_ROOM_KEY = 'waiting_room';

export type WaitingRoomMode = 'screen' | 'email';

export async function waitingRoomModes(platform: Platform): Promise<WaitingRoomMode[]> {
  const { document } = await ConfigStore.of(platform).current(WAITING_ROOM_KEY);
  return (document as { notification_modes: WaitingRoomMode[] }).notification_modes;
}

/** The arrival emails of an rdv whose usager arrived, when the settings ask for them. */
export async function arrivalOutgoing(platform: Platform, source: string, snapshot: RdvSnapshot, actorAgentId: string | null): Promise<Outgoing[]> {
  if (!(await waitingRoomModes(platform)).includes('email')) return [];
  return snapshot.agents.flatMap((agent): Outgoing[] => {
    const email = agent.email;
    if (!email || agent.id === actorAgentId) return [];
    const message = agentArrivalEmail(platform, snapshot, { ...agent, email });
    return [{
      target: {
        dedupeKey: `${source}:email:arrival:${agent.id}`,
        rdvId: snapshot.id,
        event: 'agent_rdv_user_arrived',
        channel: 'email',
        recipientType: 'agent',
        recipientId: agent.id,
        recipient: maskEmail(email),
      },
      compose: async () => () => platformMail(platform).send(message),
    }];
  });
}

export const waitingRoomRoutes = [
  route({
    method: 'get', path: '/api/v1/waiting_room', tag: 'rdvs', access: 'agent',
    summary: "The territory's waiting-room settings in force, for every agent: how agents are told an usager arrived (screen, email)",
    async handle({ platform }) {
      return { notification_modes: await waitingRoomModes(platform) };
    },
  }),
];
