// The template commentary's phrasebook: several lines per action and language, so that
// consecutive lines read differently. {a} and {b} are the event's players in its order: a pass
// goes from {a} to {b}, a tackle is won by {a} from {b}.
export type Language = 'en' | 'ko';

export const phrases: Record<Language, Record<string, string[]>> = {
  en: {
    'start-moving': ['{a} gets going.', '{a} sets off.', 'And {a} starts to move.', '{a} is on the move now.'],
    stop: ['{a} pulls up.', '{a} comes to a halt.', '{a} stops and takes stock.', 'A pause from {a}.'],
    sprint: ['{a} bursts into a sprint!', 'Look at the pace of {a}!', '{a} is flying down the pitch!', 'Full speed from {a}!'],
    meet: ['{a} and {b} come together.', '{a} closes in on {b}.', '{a} meets {b}.', 'Contact between {a} and {b}.'],
    possession: ['{a} has the ball.', 'The ball is with {a}.', '{a} takes control.', '{a} on the ball.'],
    pass: ['{a} passes to {b}.', 'A neat ball from {a} to {b}.', '{a} finds {b}.', '{a} plays it to {b}.'],
    shot: ['{a} shoots!', 'A strike from {a}!', '{a} lets fly!', '{a} goes for goal!'],
    dribble: ['{a} dribbles forward.', '{a} carries the ball.', '{a} runs with it.', 'Lovely close control from {a}.'],
    tackle: ['{a} wins it from {b}!', 'A tackle on {b} by {a}!', '{a} dispossesses {b}!', 'Great challenge from {a} on {b}!'],
  },
  ko: {
    'start-moving': ['{a} 선수가 움직이기 시작합니다.', '{a} 선수, 출발합니다.', '{a} 선수가 발을 뗍니다.', '이제 {a} 선수가 움직입니다.'],
    stop: ['{a} 선수가 멈춰 섭니다.', '{a} 선수, 잠시 멈춥니다.', '{a} 선수가 속도를 줄이고 섭니다.', '{a} 선수가 숨을 고릅니다.'],
    sprint: ['{a} 선수가 전력 질주합니다!', '{a} 선수의 엄청난 스피드!', '{a} 선수, 빠르게 치고 나갑니다!', '{a} 선수가 속도를 올립니다!'],
    meet: ['{a} 선수와 {b} 선수가 만납니다.', '{a} 선수가 {b} 선수에게 다가갑니다.', '{a} 선수와 {b} 선수가 마주칩니다.', '{a} 선수와 {b} 선수의 경합입니다.'],
    possession: ['{a} 선수가 공을 잡았습니다.', '공은 {a} 선수에게 있습니다.', '{a} 선수가 볼을 소유합니다.', '{a} 선수의 볼입니다.'],
    pass: ['{a} 선수가 {b} 선수에게 패스합니다.', '{a} 선수의 패스, {b} 선수가 받습니다.', '{a} 선수가 {b} 선수를 찾습니다.', '{a} 선수에서 {b} 선수로 이어집니다.'],
    shot: ['{a} 선수, 슛!', '{a} 선수의 슈팅!', '{a} 선수가 골문을 노립니다!', '{a} 선수가 때립니다!'],
    dribble: ['{a} 선수가 드리블합니다.', '{a} 선수가 공을 몰고 갑니다.', '{a} 선수의 드리블 돌파.', '{a} 선수, 공을 달고 전진합니다.'],
    tackle: ['{a} 선수가 {b} 선수의 공을 빼앗습니다!', '{a} 선수의 태클!', '{a} 선수가 {b} 선수를 막아냅니다!', '{a} 선수, 멋진 수비입니다!'],
  },
};

export const teamWord: Record<Language, (color: string, team: number) => string> = {
  en: (color, team) => (color ? `${color}` : team === 0 ? 'home' : 'away'),
  ko: (color, team) => (color ? `${color}` : team === 0 ? '홈' : '원정'),
};

export const playerName: Record<Language, (trackId: number, team: string | undefined) => string> = {
  en: (id, team) => (team ? `the ${team} number ${id}` : `player ${id}`),
  ko: (id, team) => (team ? `${team}팀 ${id}번` : `${id}번`),
};

const colourNames: [string, string, [number, number, number]][] = [
  ['red', '빨간', [200, 40, 40]], ['blue', '파란', [40, 70, 200]], ['white', '흰', [235, 235, 235]],
  ['yellow', '노란', [230, 210, 40]], ['black', '검은', [25, 25, 25]], ['orange', '주황', [240, 140, 30]],
  ['green', '초록', [40, 160, 60]], ['purple', '보라', [130, 50, 160]], ['sky blue', '하늘색', [110, 180, 235]],
];

export function colourName(rgb: [number, number, number] | null | undefined, language: Language): string {
  if (!rgb) return '';
  let best = colourNames[0]!;
  let bestDistance = Infinity;
  for (const entry of colourNames) {
    const d = entry[2].reduce((sum, c, i) => sum + (c - rgb[i]!) ** 2, 0);
    if (d < bestDistance) [best, bestDistance] = [entry, d];
  }
  return language === 'en' ? best[0] : best[1];
}
