import { computed, onBeforeUnmount, ref } from 'vue';

/** Whole seconds left until `deadlineMs` (epoch ms), ticking every second; `onEnd` runs once at zero. */
export function useCountdown(deadlineMs: () => number, onEnd: () => void) {
  const now = ref(Date.now());
  const remaining = computed(() => Math.max(0, Math.ceil((deadlineMs() - now.value) / 1000)));
  let ended = false;
  const tick = () => {
    now.value = Date.now();
    if (remaining.value === 0 && !ended) {
      ended = true;
      onEnd();
    }
  };
  const timer = window.setInterval(tick, 1000);
  onBeforeUnmount(() => window.clearInterval(timer));
  tick();
  return { remaining };
}
