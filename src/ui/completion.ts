/** Shell completion scripts, generated from the command list: no run of atlasctl, no network, while completing. */

export const SHELLS = ['bash', 'zsh', 'fish'] as const
export type Shell = (typeof SHELLS)[number]

export interface CompletionCommand {
  /** Words as typed: `cluster list`, `clusters ls`. */
  words: string
  flags: Array<{name: string; char?: string; aliases?: string[]; allowNo?: boolean; options?: readonly string[]}>
}

/** Shell-inert on purpose: the data sits inside single quotes in every script. */
const safe = (s: string) => s.replace(/[^\w.,=:@/ -]/g, '')

/** One line per command: `words|--flag -f ...|--flag=a,b ...`. */
function table(commands: CompletionCommand[]): string[] {
  return commands.map((c) => {
    const names = c.flags.flatMap((f) => [
      `--${f.name}`,
      ...(f.aliases ?? []).map((a) => `--${a}`),
      ...(f.allowNo ? [`--no-${f.name}`] : []),
      ...(f.char ? [`-${f.char}`] : []),
    ])
    const values = c.flags.flatMap((f) =>
      f.options?.length
        ? [`--${f.name}`, ...(f.char ? [`-${f.char}`] : [])].map((n) => `${n}=${f.options!.join(',')}`)
        : [],
    )
    return [c.words, [...names, '--help'].join(' '), values.join(' ')].map(safe).join('|')
  })
}

const bash = (
  bin: string,
  data: string[],
) => `# ${bin} completion for bash: source it, or save it as /etc/bash_completion.d/${bin}
_${bin}_data='${data.join('\n')}'
_${bin}_complete() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]} typed=' ' i w
  for ((i = 1; i < COMP_CWORD; i++)); do w=\${COMP_WORDS[i]}; [[ $w == -* ]] || typed+="$w "; done
  local cmd flags values best=0 f=() v=() next=() rest
  while IFS='|' read -r cmd flags values; do
    if [[ "$typed" == " $cmd "* && \${#cmd} -gt $best ]]; then best=\${#cmd}; f=($flags); v=($values); fi
    if [[ " $cmd " == "$typed"?* ]]; then
      rest=\${cmd#"\${typed# }"}; rest=\${rest%% *}
      [[ " \${next[*]} " == *" $rest "* ]] || next+=("$rest")
    fi
  done <<<"$_${bin}_data"
  for w in "\${v[@]}"; do
    if [[ \${w%%=*} == "$prev" ]]; then rest=\${w#*=}; COMPREPLY=($(compgen -W "\${rest//,/ }" -- "$cur")); return; fi
  done
  if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "\${f[*]}" -- "$cur")); else COMPREPLY=($(compgen -W "\${next[*]}" -- "$cur")); fi
}
complete -o default -F _${bin}_complete ${bin}
`

const zsh = (bin: string, data: string[]) => `#compdef ${bin}
# ${bin} completion for zsh: save it as _${bin} in a directory of $fpath, or source it after compinit.
_${bin}_data='${data.join('\n')}'
_${bin}() {
  local typed=' ' w cmd flags values best=0 rest line
  local -a f v next
  for w in \${words[2,CURRENT-1]}; do [[ $w == -* ]] || typed+="$w "; done
  for line in \${(f)_${bin}_data}; do
    cmd=\${line%%|*}; rest=\${line#*|}; flags=\${rest%%|*}; values=\${rest#*|}
    if [[ "$typed" == " $cmd "* && \${#cmd} -gt $best ]]; then best=\${#cmd}; f=(\${=flags}); v=(\${=values}); fi
    if [[ " $cmd " == "$typed"?* ]]; then rest=\${cmd#\${typed# }}; next+=("\${rest%% *}"); fi
  done
  for w in $v; do
    if [[ \${w%%=*} == "\${words[CURRENT-1]}" ]]; then compadd -- \${(s:,:)w#*=}; return; fi
  done
  if [[ \${words[CURRENT]} == -* ]]; then compadd -- $f; elif (( \${#next} )); then compadd -- \${(u)next}; else _files; fi
}
compdef _${bin} ${bin}
`

const fish = (
  bin: string,
  data: string[],
) => `# ${bin} completion for fish: save it as ~/.config/fish/completions/${bin}.fish
set -g __${bin}_data ${data.map((l) => `'${l}'`).join(' ')}
function __${bin}_complete
    set -l tokens (commandline -opc)
    set -l cur (commandline -ct)
    set -l typed ' '
    for w in $tokens[2..-1]
        string match -q -- '-*' $w; or set typed "$typed$w "
    end
    set -l best 0
    set -l f
    set -l v
    set -l next
    for line in $__${bin}_data
        set -l parts (string split '|' -- $line)
        if string match -q -- " $parts[1] *" "$typed"; and test (string length -- $parts[1]) -gt $best
            set best (string length -- $parts[1])
            set f (string split ' ' -- $parts[2])
            set v (string split ' ' -- $parts[3])
        end
        if string match -q -- "$typed?*" " $parts[1] "
            set -l rest (string sub -s (math (string length -- $typed) + 1) -- " $parts[1] ")
            set -a next (string split ' ' -- $rest)[1]
        end
    end
    for w in $v
        if test (string split -m1 '=' -- $w)[1] = "$tokens[-1]"
            string split ',' -- (string split -m1 '=' -- $w)[2]
            return
        end
    end
    if string match -q -- '-*' $cur
        printf '%s\\n' $f
    else
        printf '%s\\n' $next | sort -u
    end
end
complete -c ${bin} -f -a '(__${bin}_complete)'
`

export function completionScript(shell: Shell, bin: string, commands: CompletionCommand[]): string {
  const data = table(commands)
  return {bash, zsh, fish}[shell](bin, data)
}
