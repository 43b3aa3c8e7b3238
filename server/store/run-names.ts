// Random run names in MLflow's shape, `<adjective>-<noun>-<0..999>`, for runs created without one.
import { randomInt } from 'node:crypto';

const ADJECTIVES = [
  'able', 'bold', 'brave', 'bright', 'calm', 'clever', 'crisp', 'curious', 'daring', 'eager',
  'fair', 'fast', 'gentle', 'glad', 'grand', 'happy', 'honest', 'keen', 'kind', 'lively',
  'lucky', 'merry', 'mighty', 'nimble', 'noble', 'polite', 'proud', 'quick', 'quiet', 'rare',
  'ready', 'sharp', 'shy', 'silent', 'sleek', 'smart', 'steady', 'sunny', 'swift', 'tidy',
  'upbeat', 'vast', 'warm', 'wise', 'witty', 'young', 'zealous', 'amber', 'azure', 'golden',
];

const NOUNS = [
  'ant', 'bat', 'bear', 'bee', 'bird', 'carp', 'cat', 'colt', 'crab', 'crane',
  'deer', 'dog', 'dove', 'duck', 'eel', 'elk', 'finch', 'fish', 'fox', 'frog',
  'goat', 'goose', 'hare', 'hawk', 'hen', 'heron', 'horse', 'jay', 'koi', 'lamb',
  'lark', 'lion', 'lynx', 'mole', 'moth', 'mouse', 'newt', 'owl', 'ox', 'panda',
  'quail', 'ram', 'robin', 'seal', 'shark', 'snail', 'swan', 'toad', 'trout', 'wolf',
];

export function randomRunName(): string {
  return `${ADJECTIVES[randomInt(ADJECTIVES.length)]}-${NOUNS[randomInt(NOUNS.length)]}-${randomInt(1000)}`;
}
