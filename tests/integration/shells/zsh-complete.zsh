# zsh zsh-complete.zsh FPATH_DIR "command line": prints the matches zsh's completion system offers
# at the end of the line, one a line. It runs an interactive zsh in a pseudo-terminal (zpty),
# loads compinit with FPATH_DIR first on fpath, wraps compadd to print what it is given, and
# presses Tab. Used by tests/integration/day_to_day.rs.
zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "PROMPT=''; RPROMPT=''; fpath=($1 \$fpath); autoload -U compinit; compinit -u -D"
zpty -w z "zstyle ':completion:*' list-grouped false; zstyle ':completion:*' insert-tab false"
zpty -w z 'compadd () { if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return $?; fi; typeset -a __hits; builtin compadd -A __hits "$@"; (( $#__hits == 0 )) && return 1; local h; for h in $__hits; do print -r -- "MA""TCH:$h"; done; builtin compadd "$@" }'
zpty -w z "bindkey '^I' complete-word"
zpty -n -w z "$2"$'\t'
typeset -a found
integer quiet=0 waited=0
while (( waited < 100 && quiet < 10 )); do
  if zpty -r -t z line; then
    quiet=0
    line=${line//$'\r'/}
    line=${line//$'\n'/}
    [[ $line == *MATCH:* ]] && found+=("${line##*MATCH:}")
  else
    (( ${#found} > 0 )) && (( quiet++ ))
    (( waited++ ))
    sleep 0.1
  fi
done
print -rl -- ${(u)found}
zpty -d z
