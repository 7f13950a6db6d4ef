// The template commentary's phrasebook: several lines per action and language, so that
// consecutive lines read differently. {a} and {b} are the event's players in its order: a pass
// goes from {a} to {b}, a tackle is won by {a} from {b}.
import type { Roster, TeamNames } from './actions';
import type { Language } from '../../contracts/video-commentary';

export type { Language };

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

/**
 * The summary style's phrasebook: one line per spell of play. {player} is a player, {team} a team,
 * {n} a count. Keys are the kind of fact a line reports.
 */
export const summaryPhrases: Record<Language, Record<string, string[]>> = {
  en: {
    shot: ['{player} tests the keeper.', 'The chance of this spell falls to {player}, who shoots.', 'A strike from {player} in this spell.', '{player} goes for goal.'],
    shots: ['{n} attempts on goal, {team} pressing hard.', '{team} are knocking on the door: {n} shots.', 'A flurry of {n} shots, {team} leading the way.'],
    passes: ['{team} string {n} passes together.', '{n} passes from {team} in this spell.', '{team} keep it moving with {n} passes.', 'Patient build-up from {team}: {n} passes.'],
    tackle: ['{player} wins the ball back.', 'A firm challenge from {player}.', '{player} breaks up the play.', 'Good defending from {player}.'],
    dribble: ['{player} carries the ball forward.', '{player} takes it on.', 'Close control from {player}.', '{player} runs at the defence.'],
    sprint: ['{player} puts in a lung-busting run.', 'Real pace from {player}.', '{player} races into space.', 'A burst of speed from {player}.'],
    possession: ['{team} have the ball in this spell.', 'Possession with {team}.', '{team} in control for now.', '{team} see plenty of the ball.'],
    movement: ['The players take up their positions.', 'A quieter spell as the players reorganise.', 'Plenty of movement from the players.', 'The players shuffle and reset.'],
  },
  ko: {
    shot: ['{player} 선수가 골키퍼를 시험합니다.', '이번 흐름의 기회는 {player} 선수, 슈팅으로 이어집니다.', '{player} 선수의 슈팅이 나옵니다.', '{player} 선수가 골문을 노립니다.'],
    shots: ['슈팅 {n}개, {team}의 공세가 거셉니다.', '{team}이 계속 두드립니다. 슈팅 {n}개!', '{team}의 슈팅이 {n}번 이어집니다.'],
    passes: ['{team}이 패스 {n}개를 연결합니다.', '{team}의 패스 {n}개가 이어집니다.', '{team}, 패스 {n}개로 공을 돌립니다.', '{team}의 차분한 빌드업, 패스 {n}개입니다.'],
    tackle: ['{player} 선수가 공을 되찾아 옵니다.', '{player} 선수의 단단한 태클입니다.', '{player} 선수가 흐름을 끊습니다.', '{player} 선수의 좋은 수비입니다.'],
    dribble: ['{player} 선수가 공을 몰고 전진합니다.', '{player} 선수가 과감하게 돌파합니다.', '{player} 선수의 부드러운 볼 컨트롤입니다.', '{player} 선수가 수비를 향해 달려듭니다.'],
    sprint: ['{player} 선수가 온 힘을 다해 달립니다.', '{player} 선수의 엄청난 속도입니다.', '{player} 선수가 빈 공간으로 질주합니다.', '{player} 선수가 순간적으로 속도를 올립니다.'],
    possession: ['이번 흐름은 {team}이 공을 쥐고 있습니다.', '점유는 {team}에게 있습니다.', '지금은 {team}이 주도합니다.', '{team}이 공을 많이 가져갑니다.'],
    movement: ['선수들이 자리를 잡습니다.', '선수들이 전열을 가다듬는 조용한 흐름입니다.', '선수들의 움직임이 많습니다.', '선수들이 대형을 다시 갖춥니다.'],
  },
};

/** How players and teams are called in the text: roster names first, then team names, then shirt colours. */
export interface Naming {
  player(trackId: number | undefined): string;
  team(team: 0 | 1 | null | undefined): string;
}

export interface TrackTeam {
  team: 0 | 1 | null;
  color?: [number, number, number] | null;
}

export function naming(language: Language, tracks: Map<number, TrackTeam>, teamNames: TeamNames = {}, roster: Roster = {}): Naming {
  const teamLabel = (team: 0 | 1 | null | undefined, trackId?: number): { name: string; given: boolean } | undefined => {
    if (team !== 0 && team !== 1) return undefined;
    const given = teamNames[team]?.trim();
    if (given) return { name: given, given: true };
    const colour = trackId === undefined ? '' : colourName(tracks.get(trackId)?.color, language);
    if (colour) return { name: colour, given: false };
    return { name: language === 'en' ? (team === 0 ? 'home' : 'away') : (team === 0 ? '홈' : '원정'), given: false };
  };
  // A team's colour, from any of its tracks, so that a team line names it as its players are named.
  const teamTrack = (team: 0 | 1) => [...tracks.entries()].find(([, t]) => t.team === team && t.color)?.[0];
  return {
    player(trackId) {
      if (trackId === undefined) return language === 'en' ? 'a player' : '한';
      const listed = roster[trackId]?.trim();
      if (listed) return listed;
      const team = teamLabel(tracks.get(trackId)?.team, trackId);
      if (language === 'en') return team ? `the ${team.name} number ${trackId}` : `player ${trackId}`;
      if (!team) return `${trackId}번`;
      return team.given ? `${team.name} ${trackId}번` : `${team.name}팀 ${trackId}번`;
    },
    team(team) {
      if (team !== 0 && team !== 1) return language === 'en' ? 'both sides' : '양 팀';
      const label = teamLabel(team, teamTrack(team))!;
      if (label.given) return label.name;
      return language === 'en' ? `the ${label.name} team` : `${label.name}팀`;
    },
  };
}
